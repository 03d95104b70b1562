import { Context, Effect, Layer } from "effect"
import type { RuleViolation } from "../errors.ts"
import type { Operation } from "../model/operation.ts"
import type { VmRecordContext } from "../rules/context.ts"
import { vmBusy } from "../rules/lifecycle.ts"
import { violation } from "../rules/rule.ts"

/**
 * One operation at a time per VM. The lock lives in memory for the life of the agent; the VM's transient state
 * is its durable twin, so a crash leaves a state that recovery reconciles instead of a lock nobody holds.
 */
export class VmLocks extends Context.Service<
  VmLocks,
  {
    /** Take the VM's lock or fail with vm-busy; the caller must release it. */
    readonly acquire: (operation: Operation, context: VmRecordContext) => Effect.Effect<void, RuleViolation>
    /**
     * How often the VM's lock has been taken or freed. Records read between reading this and a `tryAcquire` given
     * it that succeeds were read while nobody held the lock, as fresh as records read under it.
     */
    readonly generation: (vmId: string) => Effect.Effect<number>
    /**
     * Take the VM's lock if it is free and, with `since`, has not been taken or freed since that generation: true
     * if taken (the caller must release it). No context: nothing to refuse with.
     */
    readonly tryAcquire: (vmId: string, since?: number) => Effect.Effect<boolean>
    readonly release: (vmId: string) => Effect.Effect<void>
    readonly isHeld: (vmId: string) => boolean
  }
>()("hyperx/core/operations/VmLocks") {
  static readonly layer = Layer.sync(VmLocks, () => {
    const held = new Set<string>()
    const generations = new Map<string, number>()
    const generationOf = (vmId: string) => generations.get(vmId) ?? 0
    const take = (vmId: string) => {
      held.add(vmId)
      generations.set(vmId, generationOf(vmId) + 1)
    }
    return VmLocks.of({
      acquire: (operation, context) =>
        Effect.suspend(() => {
          if (held.has(context.vm.id)) return Effect.fail(violation(operation, vmBusy, context))
          take(context.vm.id)
          return Effect.void
        }),
      generation: (vmId) => Effect.sync(() => generationOf(vmId)),
      tryAcquire: (vmId, since) =>
        Effect.sync(() => {
          if (held.has(vmId) || (since !== undefined && generationOf(vmId) !== since)) return false
          take(vmId)
          return true
        }),
      release: (vmId) =>
        Effect.sync(() => {
          if (held.delete(vmId)) generations.set(vmId, generationOf(vmId) + 1)
        }),
      isHeld: (vmId) => held.has(vmId),
    })
  })
}

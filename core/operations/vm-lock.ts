import { Context, Effect, Layer } from "effect"
import type { RuleViolation } from "../errors.ts"
import type { Operation } from "../model/operation.ts"
import type { VmContext } from "../rules/context.ts"
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
    readonly acquire: (operation: Operation, context: VmContext) => Effect.Effect<void, RuleViolation>
    readonly release: (vmId: string) => Effect.Effect<void>
    readonly isHeld: (vmId: string) => boolean
  }
>()("hyperx/core/operations/VmLocks") {
  static readonly layer = Layer.sync(VmLocks, () => {
    const held = new Set<string>()
    return VmLocks.of({
      acquire: (operation, context) =>
        Effect.suspend(() => {
          if (held.has(context.vm.id)) return Effect.fail(violation(operation, vmBusy, context))
          held.add(context.vm.id)
          return Effect.void
        }),
      release: (vmId) => Effect.sync(() => void held.delete(vmId)),
      isHeld: (vmId) => held.has(vmId),
    })
  })
}

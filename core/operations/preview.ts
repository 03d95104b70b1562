import { Effect } from "effect"
import type { Vm } from "../model/vm.ts"
import type { Actor, VmContext, VmRecordContext } from "../rules/context.ts"
import { vmBusy } from "../rules/lifecycle.ts"
import { firstRefusal, type Message, messageOf, type Rule, type RuleKind } from "../rules/rule.ts"
import { Store } from "../store/ports.ts"
import { vmContext } from "./vm-context.ts"
import type { ReadContext, Reads, VmCheck } from "./vm-operation.ts"

/** Whether an operation would run now, or the rule that would refuse it, with its message. */
export type Preview =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly rule: string; readonly kind: RuleKind; readonly message: Message }

export interface PreviewOptions {
  /** Whether an operation holds the VM's lock now (any agent's). */
  readonly locked: boolean
  /**
   * false when the caller has not chosen the input yet (a button before its form): rules of kind "invalid", which
   * judge the input, are left to the call.
   */
  readonly inputChosen?: boolean
}

/**
 * The run's refusal without running: the declaration's context and rules over what was read, in the runner's order,
 * then vm-busy if the VM's lock is held. Reads nothing beyond what the context itself reads.
 */
export const previewOn = <K extends Reads, I, C extends VmRecordContext>(
  check: VmCheck<K, I, C>,
  base: ReadContext[K],
  input: I,
  options: PreviewOptions,
) =>
  Effect.gen(function* () {
    const context = yield* check.context(base, input)
    const rules: ReadonlyArray<Rule<C>> =
      options.inputChosen === false ? check.rules.filter((rule) => rule.kind !== "invalid") : check.rules
    const refusing: Rule<C> | undefined =
      firstRefusal(rules, context) ?? (check.locks !== false && options.locked ? vmBusy : undefined)
    if (refusing === undefined) return { allowed: true } satisfies Preview
    return {
      allowed: false,
      rule: refusing.name,
      kind: refusing.kind,
      message: messageOf(refusing, context),
    } satisfies Preview
  })

/** What every declaration may read, read once: for previewing several operations of one VM. */
export const previewBase = Effect.fn("operations.previewBase")(function* (actor: Actor, vm: Vm) {
  const store = yield* Store
  const [context, holder] = yield* Effect.all([vmContext(actor, vm), store.vmLocks.holder(vm.id)], {
    concurrency: "unbounded",
  })
  return { context: context satisfies VmContext, locked: holder !== undefined }
})

/** previewVmOperation(actor, vm, operation): allowed, or refused with the rule the run would refuse with. */
export const previewVmOperation = <K extends Reads, I, C extends VmRecordContext>(
  actor: Actor,
  vm: Vm,
  check: VmCheck<K, I, C>,
  input: I,
) => Effect.flatMap(previewBase(actor, vm), ({ context, locked }) => previewOn(check, context, input, { locked }))

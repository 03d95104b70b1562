import type { Lang, Operation } from "../../core/index.ts"
import { type AnyRule, operationRuleLists } from "../../core/rules/catalog.ts"
import type { VmContext } from "../../core/rules/context.ts"
import { vmBusy } from "../../core/rules/lifecycle.ts"
import { messageOf, type Rule, type RuleKind } from "../../core/rules/rule.ts"

/** Whether the caller may do one action on the VM now, and if not, which rule refuses and why. */
export interface AllowedAction {
  readonly action: string
  readonly operation: Operation
  readonly allowed: boolean
  readonly rule?: string
  readonly kind?: RuleKind
  readonly message?: string
}

interface ActionEntry {
  readonly action: string
  readonly operation: Operation
  /** The context the operation's rules read, as the core builds it, with no input chosen yet. */
  readonly context: (base: VmContext, now: Date) => VmContext
  /** Whether the operation takes the VM's lock (one operation at a time, G4). */
  readonly locks: boolean
}

const power = (base: VmContext) => ({ ...base, batch: false, detachDevices: false })
const entry = (action: string, operation: Operation, context: ActionEntry["context"], locks = true): ActionEntry => ({
  action,
  operation,
  context,
  locks,
})

/** The actions the API offers on one VM, with the operation whose rule list decides each. */
const actions: ReadonlyArray<ActionEntry> = [
  entry("start", "vm.start", power),
  entry("stop", "vm.stop", power),
  entry("force-stop", "vm.force-stop", power),
  entry("reboot", "vm.reboot", power),
  entry("force-reboot", "vm.force-reboot", power),
  entry("delete", "vm.delete", power),
  entry("destroy", "vm.destroy", power),
  entry("restore", "vm.restore", power),
  entry("purge", "vm.purge", power),
  entry("console", "vm.console", (base) => base, false),
  entry("rename", "vm.rename", (base) => ({ ...base, name: base.vm.displayName })),
  entry("remarks", "vm.remarks", (base) => base),
  entry("reclaim-date", "vm.reclaim-date", (base, now) => ({ ...base, reclaimAt: null, now })),
  entry("ha", "vm.ha", (base) => base),
  entry("deletion-protection", "vm.deletion-protection", (base) => base),
  entry("show-password", "vm.show-password", (base) => base, false),
]

/**
 * Evaluate the real rule lists of each action against the VM's context, so widgets never hard-code which actions a
 * state allows. Rules of kind "invalid" judge an input the caller has not chosen yet, so they are left to the call.
 */
export const allowedActions = (
  base: VmContext,
  options: { readonly lang: Lang; readonly now: Date; readonly locked: boolean },
): ReadonlyArray<AllowedAction> =>
  actions.map(({ action, operation, context, locks }) => {
    const full = context(base, options.now)
    // The catalogue lists rules of every context; each list here is the one the operation checks with this context.
    const rules = operationRuleLists[operation] as ReadonlyArray<AnyRule> as ReadonlyArray<Rule<VmContext>>
    const refusing =
      rules.find((rule) => rule.kind !== "invalid" && !rule.allows(full)) ??
      (locks && options.locked ? vmBusy : undefined)
    if (refusing === undefined) return { action, operation, allowed: true }
    const message = messageOf(refusing, full)
    return {
      action,
      operation,
      allowed: false,
      rule: refusing.name,
      kind: refusing.kind,
      message: options.lang === "zh" ? message.zh : message.en,
    }
  })

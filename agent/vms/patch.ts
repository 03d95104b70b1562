import { Effect, Schema } from "effect"
import {
  loadVisibleVm,
  type Operation,
  renameVm,
  Store,
  setDeletionProtection,
  setHa,
  setReclaimDate,
  setRemarks,
  type Task,
  vmContext,
} from "../../core/index.ts"
import { now } from "../../core/operations/clock.ts"
import { type AnyRule, operationRuleLists } from "../../core/rules/catalog.ts"
import type { Actor, VmContext } from "../../core/rules/context.ts"
import { checkRules, type Rule } from "../../core/rules/rule.ts"
import { IsoDateTime, MultilineText, Text } from "../validation/schemas.ts"
import { publicVm } from "./detail.ts"

/** Several record edits in one request; each is its own operation and task. At least one field. */
export const VmPatchBody = Schema.Struct({
  /** R2; the name-format rule (2–20 letters, digits, Chinese, underscore) decides. */
  displayName: Schema.optionalKey(Text(64)),
  /** R4 */
  remarks: Schema.optionalKey(MultilineText(1000)),
  /** R5: null turns reclaiming off. */
  reclaimAt: Schema.optionalKey(Schema.NullOr(IsoDateTime)),
  /** R12 */
  haEnabled: Schema.optionalKey(Schema.Boolean),
  /** R7: superadmin only. */
  deletionProtected: Schema.optionalKey(Schema.Boolean),
})
  .check(Schema.isMinProperties(1))
  .annotate({ identifier: "VmPatch" })
export type VmPatchBody = typeof VmPatchBody.Type

interface Edit {
  readonly operation: Operation
  readonly context: (base: VmContext, at: Date) => VmContext
  readonly apply: (actor: Actor, vmId: string) => ReturnType<typeof setHa> | ReturnType<typeof setRemarks>
}

/** The edits of a patch, in the order they are checked and applied (the README documents this order). */
const editsOf = (patch: VmPatchBody): ReadonlyArray<Edit> => {
  const edits: Array<Edit> = []
  const { displayName, remarks, reclaimAt, haEnabled, deletionProtected } = patch
  if (displayName !== undefined) {
    edits.push({
      operation: "vm.rename",
      context: (base) => ({ ...base, name: displayName }),
      apply: (actor, id) => renameVm(actor, id, displayName),
    })
  }
  if (remarks !== undefined) {
    edits.push({ operation: "vm.remarks", context: (b) => b, apply: (actor, id) => setRemarks(actor, id, remarks) })
  }
  if (reclaimAt !== undefined) {
    edits.push({
      operation: "vm.reclaim-date",
      context: (base, at) => ({ ...base, reclaimAt, now: at }),
      apply: (actor, id) => setReclaimDate(actor, id, reclaimAt),
    })
  }
  if (haEnabled !== undefined) {
    edits.push({ operation: "vm.ha", context: (b) => b, apply: (actor, id) => setHa(actor, id, haEnabled) })
  }
  if (deletionProtected !== undefined) {
    edits.push({
      operation: "vm.deletion-protection",
      context: (b) => b,
      apply: (actor, id) => setDeletionProtection(actor, id, deletionProtected),
    })
  }
  return edits
}

/**
 * Apply a patch: first every edit's rules are checked against the VM as it is (so a refusal changes nothing), then
 * each edit runs as its own operation, in order; the first failure stops the rest.
 */
export const patchVm = Effect.fn("agent.patchVm")(function* (actor: Actor, vmId: string, patch: VmPatchBody) {
  const store = yield* Store
  const vm = yield* loadVisibleVm(actor, vmId)
  const base = yield* vmContext(actor, vm)
  const at = yield* now
  const edits = editsOf(patch)
  for (const edit of edits) {
    const rules = operationRuleLists[edit.operation] as ReadonlyArray<AnyRule> as ReadonlyArray<Rule<VmContext>>
    yield* checkRules(edit.operation, rules, edit.context(base, at))
  }
  const tasks: Array<Task> = []
  for (const edit of edits) tasks.push(yield* edit.apply(actor, vmId))
  return { vm: publicVm(yield* store.vms.get(vmId)), tasks }
})

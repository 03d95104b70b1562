import { Effect, Schema } from "effect"
import { HaPriority } from "../../core/model/vm.ts"
import { editVm } from "../../core/operations/edit.ts"
import type { Actor } from "../../core/rules/context.ts"
import { IsoDateTime, MultilineText, Text } from "../validation/schemas.ts"
import { publicVm } from "./detail.ts"

/** Several record edits in one request: one operation (vm.edit) and one task. At least one field. */
export const VmPatchBody = Schema.Struct({
  /** R2; the name-format rule (2–20 letters, digits, Chinese, underscore) decides. */
  displayName: Schema.optionalKey(Text(64)),
  /** R4 */
  remarks: Schema.optionalKey(MultilineText(1000)),
  /** R5: null turns reclaiming off. */
  reclaimAt: Schema.optionalKey(Schema.NullOr(IsoDateTime)),
  /** R12 */
  haEnabled: Schema.optionalKey(Schema.Boolean),
  /** R12: the HA restart order, 0–100, higher first; HA on only (rule ha-priority-needs-ha). */
  haPriority: Schema.optionalKey(HaPriority),
  /** R7: superadmin only. */
  deletionProtected: Schema.optionalKey(Schema.Boolean),
})
  .check(Schema.isMinProperties(1))
  .annotate({ identifier: "VmPatch" })
export type VmPatchBody = typeof VmPatchBody.Type

/**
 * Apply a patch as one core operation (vm.edit): every field's rules are checked (then again under the VM's lock),
 * so a refusal names its rule and changes nothing; then one write and one task.
 */
export const patchVm = Effect.fn("agent.patchVm")(function* (actor: Actor, vmId: string, patch: VmPatchBody) {
  const { task, vm } = yield* editVm(actor, vmId, patch)
  return { vm: publicVm(vm), tasks: [task] }
})

import type { User } from "../model/org.ts"
import type { VmContext } from "./context.ts"
import { notRecycled, stoppedOnly, vmBusy } from "./lifecycle.ts"
import { ownerInScope } from "./platform.ts"
import { type QuotaContext, quotaRules } from "./quota.ts"
import { defineRule, type Rule } from "./rule.ts"
import { noBackupSchedules, noBackups, noSnapshotSchedules, noSnapshots } from "./snapshots.ts"
import { onlyWhen } from "./when.ts"

/** The target department's quota (G2) with what the VM brings there; nothing is asked within one department. */
export interface ChangeOwnerContext extends VmContext, QuotaContext {
  readonly newOwner: User
}

export const ownerUnchanged: Rule<ChangeOwnerContext> = defineRule({
  name: "owner-unchanged",
  features: ["R3"],
  kind: "invalid",
  message: { en: "The VM already belongs to this user", zh: "虚拟机的所有者已是该用户" },
  allows: ({ vm, newOwner }) => vm.ownerId !== newOwner.id,
})

const changesDepartment = ({ vm, newOwner }: ChangeOwnerContext) => vm.departmentId !== newOwner.departmentId
const changesCompany = ({ vm, newOwner }: ChangeOwnerContext) => vm.companyId !== newOwner.companyId

/**
 * R3. To another department: the VM's snapshots and snapshot schedules and its disks' backups and backup
 * schedules must be gone. The manual says so for a department of the same company; another company is another
 * department too, so the same holds there. To another company the VM must also be stopped (its isolated
 * network / VPC subnet is replaced by the operation). The VM's CPUs, memory, disks and one VM count against the
 * target department's quota (G2, by the quota rules' names), checked again under the department's lock where the
 * owner is written.
 */
export const changeOwnerRules: ReadonlyArray<Rule<ChangeOwnerContext>> = [
  notRecycled,
  vmBusy,
  ownerInScope((c: ChangeOwnerContext) => c.newOwner),
  ownerUnchanged,
  onlyWhen<ChangeOwnerContext>(stoppedOnly, changesCompany),
  onlyWhen<ChangeOwnerContext>(noSnapshots, changesDepartment),
  onlyWhen<ChangeOwnerContext>(noSnapshotSchedules, changesDepartment),
  onlyWhen<ChangeOwnerContext>(noBackups, changesDepartment),
  onlyWhen<ChangeOwnerContext>(noBackupSchedules, changesDepartment),
  ...quotaRules.map((rule) => onlyWhen<ChangeOwnerContext>(rule, changesDepartment)),
]

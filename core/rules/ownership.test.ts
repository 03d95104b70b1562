import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { User } from "../model/org.ts"
import type { Vm } from "../model/vm.ts"
import type { VmFacts } from "../store/ports.ts"
import { type ChangeOwnerContext, changeOwnerRules, ownerUnchanged } from "./ownership.ts"
import type { QuotaContext } from "./quota.ts"
import {
  assertAllows,
  assertRefuses,
  refusedBy,
  sampleActor,
  sampleFacts,
  sampleQuota,
  sampleUsage,
  sampleUser,
  sampleVm,
  sampleVmContext,
} from "./testing.ts"

const change = (
  newOwner: Partial<User>,
  vm: Partial<Vm> = {},
  facts: Partial<VmFacts> = {},
  quota: Partial<QuotaContext> = {},
): ChangeOwnerContext => ({
  ...sampleVmContext({ actor: sampleActor({ role: "superadmin" }), vm: sampleVm(vm), facts: sampleFacts(facts) }),
  newOwner: sampleUser({ id: "user-2", ...newOwner }),
  quota: sampleQuota(),
  usage: sampleUsage(),
  demand: { cpus: 2, memoryMiB: 2048, diskGiB: 20, vmCount: 1 },
  ...quota,
})
const otherDepartment = { departmentId: "dept-2" }
const otherCompany = { companyId: "company-2", departmentId: "dept-9" }

describe("R3 change owner", () => {
  it("R3 owner-unchanged: allows another user", () => assertAllows(ownerUnchanged, change({})))
  it("R3 owner-unchanged: refuses the current owner", () => assertRefuses(ownerUnchanged, change({ id: "user-1" })))

  it("R3 same department: snapshots may stay", () =>
    assert.equal(refusedBy(changeOwnerRules, change({}, {}, { snapshots: 2, backups: 1 })), undefined))
  it("R3 no-snapshots: another department needs the snapshots gone", () =>
    assert.equal(refusedBy(changeOwnerRules, change(otherDepartment, {}, { snapshots: 1 })), "no-snapshots"))
  it("R3 no-snapshot-schedules: another department needs the snapshot schedules gone", () =>
    assert.equal(
      refusedBy(changeOwnerRules, change(otherDepartment, {}, { snapshotSchedules: 1 })),
      "no-snapshot-schedules",
    ))
  it("R3 no-backups: another department needs the disks' backups gone", () =>
    assert.equal(refusedBy(changeOwnerRules, change(otherDepartment, {}, { backups: 3 })), "no-backups"))
  it("R3 no-backup-schedules: another department needs the disks' backup schedules gone", () =>
    assert.equal(
      refusedBy(changeOwnerRules, change(otherDepartment, {}, { backupSchedules: 1 })),
      "no-backup-schedules",
    ))
  it("R3 another department of the same company: a running VM with nothing attached passes", () =>
    assert.equal(refusedBy(changeOwnerRules, change(otherDepartment)), undefined))
  it("R3 stopped-only: another company needs the VM stopped", () =>
    assert.equal(refusedBy(changeOwnerRules, change(otherCompany)), "stopped-only"))
  it("R3 another company: a stopped VM with nothing attached passes", () =>
    assert.equal(refusedBy(changeOwnerRules, change(otherCompany, { state: "stopped" })), undefined))
  it("R3 another company is another department too: snapshots must be gone", () =>
    assert.equal(
      refusedBy(changeOwnerRules, change(otherCompany, { state: "stopped" }, { snapshots: 1 })),
      "no-snapshots",
    ))
  it("G2 R3 quota-cpus: another department's quota must hold the VM's CPUs", () =>
    assert.equal(
      refusedBy(changeOwnerRules, change(otherDepartment, {}, {}, { quota: sampleQuota({ cpus: 9 }) })),
      "quota-cpus",
    ))
  it("G2 R3 quota-disk: and its disks", () =>
    assert.equal(
      refusedBy(
        changeOwnerRules,
        change(otherCompany, { state: "stopped" }, {}, { quota: sampleQuota({ diskGiB: 210 }) }),
      ),
      "quota-disk",
    ))
  it("G2 R3 within one department the quota is not asked", () =>
    assert.equal(
      refusedBy(changeOwnerRules, change({}, {}, {}, { quota: sampleQuota({ cpus: 0, vmCount: 0 }) })),
      undefined,
    ))
  it("G1 R3 owner-in-scope: a user cannot give their VM away", () =>
    assert.equal(refusedBy(changeOwnerRules, { ...change({}), actor: sampleActor() }), "owner-in-scope"))
  it("G1 R3 owner-in-scope: an admin gives a VM within the department", () =>
    assert.equal(refusedBy(changeOwnerRules, { ...change({}), actor: sampleActor({ role: "admin" }) }), undefined))
})

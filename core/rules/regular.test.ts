import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Vm } from "../model/vm.ts"
import type { VmContext } from "./context.ts"
import {
  type AlarmContext,
  alarmRecipientsInCompany,
  monitoringInstalled,
  passwordManagedImage,
  regularRules,
} from "./regular.ts"
import {
  assertAllows,
  assertRefuses,
  refusedBy,
  sampleActor,
  sampleAffinityGroup,
  sampleNow,
  sampleUser,
  sampleVm,
  sampleVmContext,
} from "./testing.ts"

const withVm = (vm: Partial<Vm>, overrides: Partial<VmContext> = {}) =>
  sampleVmContext({ vm: sampleVm(vm), ...overrides })
const alarm = (overrides: Partial<AlarmContext> = {}): AlarmContext => ({
  ...sampleVmContext(),
  recipients: [sampleUser()],
  ...overrides,
})

describe("regular rules", () => {
  it("R1 monitoring-installed: allows a VM with monitoring", () => assertAllows(monitoringInstalled, alarm()))
  it("R1 monitoring-installed: refuses a VM without monitoring", () =>
    assertRefuses(monitoringInstalled, withVm({ monitoringInstalled: false })))

  it("R1 G1 alarm-recipients-in-company: allows users of the VM's company", () =>
    assertAllows(alarmRecipientsInCompany, alarm({ recipients: [sampleUser(), sampleUser({ id: "user-2" })] })))
  it("R1 G1 alarm-recipients-in-company: refuses a user of another company", () =>
    assertRefuses(alarmRecipientsInCompany, alarm({ recipients: [sampleUser({ companyId: "company-2" })] })))

  it("R6 password-managed-image: allows a VM installed from an image", () =>
    assertAllows(passwordManagedImage, sampleVmContext()))
  it("R6 password-managed-image: refuses a VM whose image does not manage the password", () =>
    assertRefuses(passwordManagedImage, sampleVmContext({ passwordManaged: false })))
})

describe("regular rule lists", () => {
  it("R2 rename: display names may repeat, but keep the name format", () => {
    assert.equal(refusedBy(regularRules.rename, { ...sampleVmContext(), name: "web_01" }), undefined)
    assert.equal(refusedBy(regularRules.rename, { ...sampleVmContext(), name: "web 01!" }), "name-format")
  })
  it("R4 remarks: any VM outside the recycle bin", () => {
    assert.equal(refusedBy(regularRules.remarks, withVm({ state: "error" })), undefined)
    assert.equal(refusedBy(regularRules.remarks, withVm({ recycledAt: sampleNow })), "not-recycled")
  })
  it("R5 reclaim-date: off or in the future", () => {
    const at = (reclaimAt: Date | null) => ({ ...sampleVmContext(), reclaimAt, now: sampleNow })
    assert.equal(refusedBy(regularRules["reclaim-date"], at(null)), undefined)
    assert.equal(refusedBy(regularRules["reclaim-date"], at(new Date("2020-01-01"))), "reclaim-date-future")
  })
  it("R6 show-password: only while running or stopped", () => {
    assert.equal(refusedBy(regularRules["show-password"], withVm({ state: "stopped" })), undefined)
    assert.equal(refusedBy(regularRules["show-password"], withVm({ state: "starting" })), "running-or-stopped")
  })
  it("R7 deletion-protection: a superadmin only, not an admin", () => {
    const as = (role: "admin" | "superadmin") => sampleVmContext({ actor: sampleActor({ role }) })
    assert.equal(refusedBy(regularRules["deletion-protection"], as("admin")), "superadmin-only")
    assert.equal(refusedBy(regularRules["deletion-protection"], as("superadmin")), undefined)
  })
  it("R10 affinity: stopped only, the department's groups", () => {
    const groups = [sampleAffinityGroup(), sampleAffinityGroup({ id: "group-2" })]
    assert.equal(refusedBy(regularRules.affinity, { ...withVm({ state: "stopped" }), groups }), undefined)
    assert.equal(refusedBy(regularRules.affinity, { ...withVm({ state: "running" }), groups }), "stopped-only")
    const foreign = [sampleAffinityGroup({ departmentId: "dept-2" })]
    assert.equal(
      refusedBy(regularRules.affinity, { ...withVm({ state: "stopped" }), groups: foreign }),
      "affinity-group-department",
    )
  })
  it("R12 ha: no precondition besides the recycle bin", () =>
    assert.equal(refusedBy(regularRules.ha, withVm({ state: "migrating" })), undefined))
  it("R1 alarm: refused without monitoring", () =>
    assert.equal(
      refusedBy(regularRules.alarm, alarm({ vm: sampleVm({ monitoringInstalled: false }) })),
      "monitoring-installed",
    ))
})

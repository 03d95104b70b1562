import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect, Exit } from "effect"
import type { Vm } from "../model/vm.ts"
import { deletionProtected, detachDevicesSingleStop, type PowerContext, powerRules } from "./power.ts"
import { checkRules } from "./rule.ts"
import { assertAllows, assertRefuses, refusedBy, sampleActor, sampleNow, sampleVm, sampleVmContext } from "./testing.ts"

const power = (vm: Partial<Vm> = {}, overrides: Partial<PowerContext> = {}): PowerContext => ({
  ...sampleVmContext({ vm: sampleVm(vm) }),
  batch: false,
  detachDevices: false,
  ...overrides,
})
const recycled = { recycledAt: sampleNow, state: "stopped" } as const

describe("power rules", () => {
  it("B4 deletion-protected: allows an unprotected VM", () => assertAllows(deletionProtected, power()))
  it("B4 deletion-protected: refuses a protected VM", () =>
    assertRefuses(deletionProtected, power({ deletionProtected: true })))

  it("B6 detach-devices-single-stop: allows detaching devices on a single stop", () =>
    assertAllows(detachDevicesSingleStop, power({}, { detachDevices: true })))
  it("B6 L7 detach-devices-single-stop: refuses detaching devices in a batch stop", () =>
    assertRefuses(detachDevicesSingleStop, power({}, { batch: true, detachDevices: true })))
})

describe("power rule lists", () => {
  it("B4 vm.delete fails with a RuleViolation naming deletion-protected, in both languages", () => {
    const exit = Effect.runSyncExit(checkRules("vm.delete", powerRules.delete, power({ deletionProtected: true })))
    assert.ok(Exit.isFailure(exit))
    const error = exit.cause.reasons[0]
    assert.ok(error?._tag === "Fail")
    assert.equal(error.error.rule, "deletion-protected")
    assert.equal(error.error.kind, "conflict")
    assert.match(error.error.messageZh, /删除保护/)
  })
  it("B1 B2 a transient VM is reported busy before its state is judged", () =>
    assert.equal(refusedBy(powerRules.start, power({ state: "stopping" })), "vm-busy"))
  it("B2 start a stopped VM passes", () =>
    assert.equal(refusedBy(powerRules.start, power({ state: "stopped" })), undefined))
  it("B1 stop a stopped VM is refused by the state table", () =>
    assert.equal(refusedBy(powerRules.stop, power({ state: "stopped" })), "lifecycle-state"))
  it("B1 force-stop a VM in error needs an admin", () => {
    assert.equal(refusedBy(powerRules["force-stop"], power({ state: "error" })), "error-admin-only")
    const admin = power({ state: "error" }, { actor: sampleActor({ role: "admin" }) })
    assert.equal(refusedBy(powerRules["force-stop"], admin), undefined)
  })
  it("B3 reboot a stopped VM is refused", () =>
    assert.equal(refusedBy(powerRules.reboot, power({ state: "stopped" })), "lifecycle-state"))
  it("B4 destroy honours deletion protection too", () =>
    assert.equal(refusedBy(powerRules.destroy, power({ deletionProtected: true })), "deletion-protected"))
  it("B4 a VM in the recycle bin cannot be deleted again", () =>
    assert.equal(refusedBy(powerRules.delete, power(recycled)), "not-recycled"))
  it("B4 G3 restore: only a superadmin restores from the recycle bin", () => {
    assert.equal(
      refusedBy(powerRules.restore, power(recycled, { actor: sampleActor({ role: "admin" }) })),
      "superadmin-only",
    )
    assert.equal(
      refusedBy(powerRules.restore, power(recycled, { actor: sampleActor({ role: "superadmin" }) })),
      undefined,
    )
  })
  it("G3 restore: a VM outside the recycle bin is refused", () =>
    assert.equal(
      refusedBy(powerRules.restore, power({}, { actor: sampleActor({ role: "superadmin" }) })),
      "recycled-only",
    ))
  it("G3 purge: an admin purges from the recycle bin, a user may not", () => {
    assert.equal(refusedBy(powerRules.purge, power(recycled, { actor: sampleActor({ role: "admin" }) })), undefined)
    assert.equal(refusedBy(powerRules.purge, power(recycled)), "admin-only")
  })
})

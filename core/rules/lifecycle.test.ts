import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { VmState } from "../model/vm.ts"
import {
  errorAdminOnly,
  lifecycleState,
  notRecycled,
  recycledOnly,
  runningOnly,
  runningOrStopped,
  stoppedOnly,
  vmBusy,
} from "./lifecycle.ts"
import { messageOf } from "./rule.ts"
import { assertAllows, assertRefuses, sampleActor, sampleNow, sampleVm, sampleVmContext } from "./testing.ts"

const inState = (state: VmState) => sampleVmContext({ vm: sampleVm({ state }) })

describe("lifecycle rules", () => {
  it("B1 B2 vm-busy: allows a VM in a stable state", () => assertAllows(vmBusy, inState("stopped")))
  it("B1 B2 vm-busy: refuses a VM in a transient state and names the state", () => {
    const context = inState("starting")
    assertRefuses(vmBusy, context)
    assert.match(messageOf(vmBusy, context).zh, /启动中/)
  })
  it("G4 vm-busy: the lock's refusal of a stable VM still reads as busy", () => {
    assert.match(messageOf(vmBusy, inState("running")).en, /busy with another operation/)
  })

  it("B2 lifecycle-state: allows starting a stopped VM", () =>
    assertAllows(lifecycleState("start"), inState("stopped")))
  it("B2 lifecycle-state: refuses starting a running VM, naming action and state in both languages", () => {
    const rule = lifecycleState("start")
    const context = inState("running")
    assertRefuses(rule, context)
    const message = messageOf(rule, context)
    assert.match(message.en, /start.*running/)
    assert.match(message.zh, /运行.*开机/)
  })
  it("B1 lifecycle-state: refuses stopping a stopped VM", () =>
    assertRefuses(lifecycleState("stop"), inState("stopped")))
  it("B4 lifecycle-state: allows deleting a VM in error", () =>
    assertAllows(lifecycleState("delete"), inState("error")))
  it("R9 lifecycle-state: refuses migrating a stopped VM", () =>
    assertRefuses(lifecycleState("migrate"), inState("stopped")))
  it("B1 lifecycle-state: one rule per action, reused", () =>
    assert.equal(lifecycleState("stop"), lifecycleState("stop")))

  it("K1 stopped-only: allows a stopped VM", () => assertAllows(stoppedOnly, inState("stopped")))
  it("K1 stopped-only: refuses a running VM", () => assertRefuses(stoppedOnly, inState("running")))

  it("B5 K2 running-only: allows a running VM", () => assertAllows(runningOnly, inState("running")))
  it("B5 K2 running-only: refuses a stopped VM", () => assertRefuses(runningOnly, inState("stopped")))

  it("R6 running-or-stopped: allows a stopped VM", () => assertAllows(runningOrStopped, inState("stopped")))
  it("R6 running-or-stopped: refuses a VM in error", () => assertRefuses(runningOrStopped, inState("error")))

  it("B4 G3 not-recycled: allows a VM outside the recycle bin", () => assertAllows(notRecycled, sampleVmContext()))
  it("B4 G3 not-recycled: refuses a VM in the recycle bin", () =>
    assertRefuses(notRecycled, sampleVmContext({ vm: sampleVm({ recycledAt: sampleNow }) })))
  it("B4 G3 not-recycled: names both ways out, since a destroy is refused by it too", () => {
    const message = messageOf(notRecycled, sampleVmContext({ vm: sampleVm({ recycledAt: sampleNow }) }))
    assert.match(message.en, /restore it first, or destroy it from the recycle bin/)
    assert.match(message.zh, /或在回收站中彻底删除/)
  })

  it("G3 recycled-only: allows a VM in the recycle bin", () =>
    assertAllows(recycledOnly, sampleVmContext({ vm: sampleVm({ recycledAt: sampleNow }) })))
  it("G3 recycled-only: refuses a VM outside the recycle bin", () => assertRefuses(recycledOnly, sampleVmContext()))

  it("B2 error-admin-only: allows an admin to power on a VM in error", () =>
    assertAllows(
      errorAdminOnly,
      sampleVmContext({ vm: sampleVm({ state: "error" }), actor: sampleActor({ role: "admin" }) }),
    ))
  it("B2 error-admin-only: allows a user to start their stopped VM", () =>
    assertAllows(errorAdminOnly, inState("stopped")))
  it("B2 error-admin-only: refuses a user on a VM in error", () => assertRefuses(errorAdminOnly, inState("error")))
})

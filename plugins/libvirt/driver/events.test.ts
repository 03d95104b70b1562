import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { LibvirtEvent } from "../virsh/events.ts"
import { makeQuiet } from "./context.ts"
import { driverEventOf } from "./events.ts"

const at = new Date("2026-11-26T02:50:19.252Z")
const event = (type: string, detail = ""): LibvirtEvent => ({ domain: "vm-1", type, detail, at })

describe("libvirt events → driver events", () => {
  it("H3 R12 a guest power-off, a crash and a dead QEMU map onto the contract's kinds", () => {
    assert.deepEqual(driverEventOf(event("lifecycle", "Stopped Shutdown")), {
      name: "vm-1",
      at,
      kind: "powered-off",
      detail: "the guest powered itself off",
    })
    assert.equal(driverEventOf(event("lifecycle", "Stopped Crashed"))?.kind, "crashed")
    assert.equal(driverEventOf(event("lifecycle", "Crashed Panicked"))?.kind, "crashed")
    assert.equal(driverEventOf(event("lifecycle", "Stopped Failed"))?.kind, "process-exited")
    assert.equal(driverEventOf(event("lifecycle", "Stopped Destroyed"))?.kind, "powered-off")
    assert.equal(driverEventOf(event("lifecycle", "Started Booted"))?.kind, "started")
    assert.equal(driverEventOf(event("reboot"))?.kind, "reset")
  })

  it("H3 what the contract does not report is dropped", () => {
    for (const [type, detail] of [
      ["lifecycle", "Shutdown Finished after guest request"],
      ["lifecycle", "Suspended Paused"],
      ["lifecycle", "Resumed Unpaused"],
      ["lifecycle", "Defined Added"],
      ["lifecycle", "Undefined Removed"],
      ["agent-lifecycle", "state: 'connected' reason: 'channel event'"],
      ["device-removed", "ua-disk-data1"],
    ] as const)
      assert.equal(driverEventOf(event(type, detail)), undefined, `${type} ${detail}`)
  })

  it("H3 a domain is quiet while the platform works on it and for a moment after", async () => {
    const quiet = makeQuiet(50)
    assert.equal(quiet.isQuiet("vm-1"), false)
    quiet.enter("vm-1")
    quiet.enter("vm-1")
    quiet.leave("vm-1")
    assert.equal(quiet.isQuiet("vm-1"), true)
    assert.equal(quiet.isQuiet("vm-2"), false)
    quiet.leave("vm-1")
    assert.equal(quiet.isQuiet("vm-1"), true)
    await new Promise((resolve) => setTimeout(resolve, 80))
    assert.equal(quiet.isQuiet("vm-1"), false)
  })
})

import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { disconnectedEvent, type QmpEvent } from "../qmp/events.ts"
import { PowerEventTracker, RESET_ECHO_MS } from "./power-events.ts"

const at = new Date(0)
const shutdown = (guest: boolean, reason: string): QmpEvent => ({ _tag: "SHUTDOWN", guest, reason, at })
const reset = (guest: boolean, reason = "guest-reset"): QmpEvent => ({ _tag: "RESET", guest, reason, at })
const kinds = (tracker: PowerEventTracker, events: ReadonlyArray<readonly [QmpEvent, number]>) =>
  events.flatMap(([event, now]) => tracker.onEvent(event, now)?.kind ?? [])

describe("power event tracker", () => {
  it("B1 a guest that powers itself off is reported once, when QEMU exits, as powered-off", () => {
    const tracker = new PowerEventTracker()
    assert.deepEqual(
      kinds(tracker, [
        [{ _tag: "POWERDOWN", at }, 0],
        [shutdown(true, "guest-shutdown"), 1],
      ]),
      [],
    )
    assert.deepEqual(kinds(tracker, [[disconnectedEvent(), 2]]), [])
    assert.equal(tracker.onExit()?.kind, "powered-off")
    assert.equal(tracker.onExit(), undefined)
  })

  it("B1 a stop the platform makes, graceful or forced, reports nothing", () => {
    const tracker = new PowerEventTracker()
    tracker.expectStop()
    assert.deepEqual(
      kinds(tracker, [
        [shutdown(true, "guest-shutdown"), 0],
        [reset(true), 1],
      ]),
      [],
    )
    assert.equal(tracker.onExit(), undefined)
  })

  it("B3 a guest reboot is one reset, however many RESETs the firmware adds", () => {
    const tracker = new PowerEventTracker()
    const seen = kinds(tracker, [
      [reset(true), 1_000],
      [reset(true), 1_400],
      [reset(true), 1_900],
      [reset(true), 1_000 + RESET_ECHO_MS + 1_000],
    ])
    assert.deepEqual(seen, ["reset", "reset"])
  })

  it("B3 a reboot or reset the platform makes reports nothing, nor the firmware's echoes after it", () => {
    const tracker = new PowerEventTracker()
    tracker.beginReboot()
    assert.deepEqual(
      kinds(tracker, [
        [shutdown(true, "guest-shutdown"), 0],
        [reset(false, "host-qmp-system-reset"), 1],
      ]),
      [],
    )
    tracker.endReboot(100)
    assert.deepEqual(kinds(tracker, [[reset(true), 400]]), [])
    // The guest's own power-off during the reboot was ours: QEMU exiting later is something else.
    assert.equal(tracker.onExit()?.kind, "process-exited")
  })

  it("R12 QEMU killed from outside is process-exited; a host signal is named", () => {
    assert.match(new PowerEventTracker().onExit()?.detail ?? "", /without a shutdown/)
    // How the process ended (its launch's view) tells an abort from a kill.
    const aborted = new PowerEventTracker().onExit("signal SIGABRT")
    assert.match(aborted?.detail ?? "", /without a shutdown \(killed or crashed\): signal SIGABRT$/)
    const signalled = new PowerEventTracker()
    signalled.onEvent(shutdown(false, "host-signal"), 0)
    const change = signalled.onExit()
    assert.equal(change?.kind, "process-exited")
    assert.match(change?.detail ?? "", /host-signal/)
  })

  it("a guest panic is reported once as crashed", () => {
    const tracker = new PowerEventTracker()
    const panic: QmpEvent = { _tag: "GUEST_PANICKED", action: "pause", at }
    assert.deepEqual(
      kinds(tracker, [
        [panic, 0],
        [panic, 1],
      ]),
      ["crashed"],
    )
  })

  it("a stop that failed hands what follows back to the guest", () => {
    const tracker = new PowerEventTracker()
    tracker.expectStop()
    tracker.cancelStop()
    tracker.onEvent(shutdown(true, "guest-shutdown"), 0)
    assert.equal(tracker.onExit()?.kind, "powered-off")
  })
})

import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { VmState } from "../model/vm.ts"
import { stableStates, transientStates } from "./states.ts"
import { type LifecycleAction, lifecycleActions } from "./table.ts"
import { allowedActions, reconcile, transition } from "./transition.ts"

// The expected machine, written out by hand from FEATURES.md so that a change to the table shows up here.
// Each cell: "busy", "-" (not allowed) or "via>to/onFailure".
const expected: Record<VmState, Record<LifecycleAction, string>> = {
  validating: {
    provision: "validating>stopped/error",
    "provision-start": "validating>running/error",
    start: "busy",
    stop: "busy",
    "force-stop": "busy",
    reboot: "busy",
    "force-reboot": "busy",
    migrate: "busy",
    delete: "busy",
  },
  running: {
    provision: "-",
    "provision-start": "-",
    start: "-",
    stop: "stopping>stopped/running",
    "force-stop": "stopping>stopped/error",
    reboot: "rebooting>running/running",
    "force-reboot": "rebooting>running/error",
    migrate: "migrating>running/running",
    delete: "destroying>stopped/error",
  },
  stopped: {
    provision: "-",
    "provision-start": "-",
    start: "starting>running/stopped",
    stop: "-",
    "force-stop": "-",
    reboot: "-",
    "force-reboot": "-",
    migrate: "-",
    delete: "destroying>stopped/error",
  },
  error: {
    provision: "-",
    "provision-start": "-",
    start: "starting>running/error",
    stop: "-",
    "force-stop": "stopping>stopped/error",
    reboot: "-",
    "force-reboot": "-",
    migrate: "-",
    delete: "destroying>stopped/error",
  },
  starting: {} as Record<LifecycleAction, string>,
  stopping: {} as Record<LifecycleAction, string>,
  rebooting: {} as Record<LifecycleAction, string>,
  migrating: {} as Record<LifecycleAction, string>,
  destroying: {} as Record<LifecycleAction, string>,
}
// Every transient state other than validating refuses everything as busy, provisioning included.
for (const state of ["starting", "stopping", "rebooting", "migrating", "destroying"] as const) {
  for (const action of lifecycleActions) {
    expected[state][action] = action === "provision" || action === "provision-start" ? "-" : "busy"
  }
}

const render = (state: VmState, action: LifecycleAction): string => {
  const result = transition(state, action)
  if (!result.ok) return result.reason === "busy" ? "busy" : "-"
  return `${result.via}>${result.to}/${result.onFailure}`
}

describe("lifecycle state machine (H1)", () => {
  for (const state of [...stableStates, ...transientStates]) {
    for (const action of lifecycleActions) {
      it(`${state} × ${action} → ${expected[state][action]}`, () => {
        assert.equal(render(state, action), expected[state][action])
      })
    }
  }

  it("B1–B3 every transition ends in a stable state", () => {
    for (const state of [...stableStates, ...transientStates]) {
      for (const action of lifecycleActions) {
        const result = transition(state, action)
        if (result.ok) {
          assert.ok((stableStates as ReadonlyArray<string>).includes(result.to))
          assert.ok((stableStates as ReadonlyArray<string>).includes(result.onFailure))
        }
      }
    }
  })

  it("allowedActions offers what the table allows and never provisioning", () => {
    assert.deepEqual(allowedActions("running"), ["stop", "force-stop", "reboot", "force-reboot", "migrate", "delete"])
    assert.deepEqual(allowedActions("stopped"), ["start", "delete"])
    assert.deepEqual(allowedActions("starting"), [])
  })

  it("reconcile settles a crashed or interrupted VM on what the hypervisor reports", () => {
    assert.equal(reconcile("starting", "running"), "running")
    assert.equal(reconcile("starting", "missing"), "stopped")
    assert.equal(reconcile("stopping", "stopped"), "stopped")
    assert.equal(reconcile("rebooting", "crashed"), "error")
    assert.equal(reconcile("validating", "missing"), "error")
    assert.equal(reconcile("validating", "running"), "running")
    assert.equal(reconcile("running", "missing"), "stopped")
  })
})

import type { VmState } from "../model/vm.ts"
import type { StableState, TransientState } from "./states.ts"

/** The power actions the state machine knows; other operations check state through rules. */
export const lifecycleActions = [
  "provision",
  "provision-start",
  "start",
  "stop",
  "force-stop",
  "reboot",
  "force-reboot",
  "migrate",
  "delete",
] as const
export type LifecycleAction = (typeof lifecycleActions)[number]

/** Where a failed action lands: in error, or back where it started when nothing changed. */
export type OnFailure = "error" | "previous"

export interface TransitionRow {
  readonly from: ReadonlyArray<VmState>
  readonly via: TransientState
  readonly to: StableState
  readonly onFailure: OnFailure
}

/**
 * The whole state machine as data: which stable states each action starts from, the transient state it
 * passes through and where it ends. Anything not listed is refused.
 * - provision starts from a VM just inserted in "validating" (resources checked, not yet on the hypervisor).
 * - delete ends in "stopped" with the VM in the recycle bin, or the row removed when destroyed completely.
 * - force-stop and start also accept "error": an admin powers a broken VM off or on to repair it.
 */
export const transitionTable: Record<LifecycleAction, TransitionRow> = {
  provision: { from: ["validating"], via: "validating", to: "stopped", onFailure: "error" },
  // The manual's 资源验证 lasts until the VM first runs: a VM created to start goes straight to running.
  "provision-start": { from: ["validating"], via: "validating", to: "running", onFailure: "error" },
  start: { from: ["stopped", "error"], via: "starting", to: "running", onFailure: "previous" },
  stop: { from: ["running"], via: "stopping", to: "stopped", onFailure: "previous" },
  "force-stop": { from: ["running", "error"], via: "stopping", to: "stopped", onFailure: "error" },
  reboot: { from: ["running"], via: "rebooting", to: "running", onFailure: "previous" },
  "force-reboot": { from: ["running"], via: "rebooting", to: "running", onFailure: "error" },
  migrate: { from: ["running"], via: "migrating", to: "running", onFailure: "previous" },
  delete: { from: ["running", "stopped", "error"], via: "destroying", to: "stopped", onFailure: "error" },
}

/** A power state the driver reports; mapped onto our states when we reconcile. */
export type ObservedPower = "running" | "stopped" | "crashed" | "missing"

/** What an observed power state means for a VM the platform is not acting on (R12 events, recovery). */
export const observedToState: Record<ObservedPower, StableState> = {
  running: "running",
  stopped: "stopped",
  crashed: "error",
  missing: "stopped",
}

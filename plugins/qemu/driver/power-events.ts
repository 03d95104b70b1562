import type { DriverEvent } from "../../../core/driver/driver.ts"
import { isDisconnectedEvent, type QmpEvent } from "../qmp/events.ts"

export type PowerChange = Pick<DriverEvent, "kind" | "detail">

/**
 * After a reset the firmware sends one or two more RESET events (reason "guest-reset") while it reboots; RESETs
 * this close to a reported or platform-made one are the same reset.
 */
export const RESET_ECHO_MS = 5_000

/**
 * Turns one QEMU's events and its exit into the changes the platform did not cause (the DriverEvent contract).
 * The driver tells it what it is doing itself (a stop, a reboot), and those changes are never reported. Pure: time
 * comes in as arguments, so tests drive it with plain numbers.
 */
export class PowerEventTracker {
  private stopping = false
  private rebooting = false
  private quietUntil = Number.NEGATIVE_INFINITY
  private guestShutdown: string | undefined
  private hostShutdown: string | undefined
  private panicked = false
  private exitReported = false

  /** The platform is stopping this QEMU: its shutdown and exit are ours. */
  expectStop(): void {
    this.stopping = true
  }

  /** A stop attempt failed and the VM runs on: what it does from now on is the guest's again. */
  cancelStop(): void {
    this.stopping = false
  }

  /** The platform resets or reboots the guest: its power-off and resets until `endReboot` are ours. */
  beginReboot(): void {
    this.rebooting = true
  }

  endReboot(nowMs: number): void {
    this.rebooting = false
    this.quietUntil = nowMs + RESET_ECHO_MS
  }

  /** The change this event means, if it is one to report. */
  onEvent(event: QmpEvent, nowMs: number): PowerChange | undefined {
    if (this.stopping) return undefined
    switch (event._tag) {
      case "SHUTDOWN":
        if (isDisconnectedEvent(event) || this.rebooting) return undefined
        // Reported once QEMU is gone (it exits right after), so that inspect already says stopped.
        if (event.guest) this.guestShutdown = event.reason
        else this.hostShutdown = event.reason
        return undefined
      case "RESET": {
        if (this.rebooting || nowMs < this.quietUntil) return undefined
        this.quietUntil = nowMs + RESET_ECHO_MS
        this.panicked = false
        return {
          kind: "reset",
          detail: event.guest ? "the guest rebooted itself" : `reset from outside (${event.reason})`,
        }
      }
      case "GUEST_PANICKED":
        if (this.panicked) return undefined
        this.panicked = true
        return { kind: "crashed", detail: `the guest kernel panicked (QEMU action: ${event.action})` }
      default:
        return undefined
    }
  }

  /**
   * The change QEMU's exit means, once; nothing when the platform stopped it. `how` (the process's signal or exit
   * status, as its launch saw it) goes into the detail of an exit nobody asked for: an abort reads apart from a kill.
   */
  onExit(how?: string): PowerChange | undefined {
    if (this.exitReported || this.stopping) return undefined
    this.exitReported = true
    if (this.guestShutdown !== undefined) {
      return { kind: "powered-off", detail: `the guest powered itself off (${this.guestShutdown})` }
    }
    if (this.hostShutdown !== undefined) {
      return { kind: "process-exited", detail: `QEMU was shut down from outside the platform (${this.hostShutdown})` }
    }
    const detail = this.panicked
      ? "QEMU exited after the guest panicked"
      : "QEMU exited without a shutdown (killed or crashed)"
    return { kind: "process-exited", detail: how === undefined ? detail : `${detail}: ${how}` }
  }
}

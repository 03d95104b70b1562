import { Effect, Schema } from "effect"
import type { QmpError } from "../errors.ts"
import type { CallOptions, QmpMonitor } from "../monitor.ts"
import { runDecoded, runVoid } from "./run.ts"

/**
 * QEMU's run state: "prelaunch" (started with -S), "running", "paused", "shutdown" (guest off, -no-shutdown),
 * "inmigrate", "postmigrate", "suspended", "guest-panicked", "internal-error", "io-error", … Kept a string so a
 * newer QEMU's state does not break decoding.
 */
export const RunStatus = Schema.Struct({ running: Schema.Boolean, status: Schema.String })
export type RunStatus = typeof RunStatus.Type

export const queryStatus = (monitor: QmpMonitor, options?: CallOptions): Effect.Effect<RunStatus, QmpError> =>
  runDecoded(monitor, "query-status", undefined, RunStatus, options)

/** Resumes vCPUs (also starts a VM launched with -S). */
export const cont = (monitor: QmpMonitor, options?: CallOptions) => runVoid(monitor, "cont", undefined, options)

export const stop = (monitor: QmpMonitor, options?: CallOptions) => runVoid(monitor, "stop", undefined, options)

/** Presses the ACPI power button; the guest decides (POWERDOWN now, SHUTDOWN once it acts). */
export const systemPowerdown = (monitor: QmpMonitor, options?: CallOptions) =>
  runVoid(monitor, "system_powerdown", undefined, options)

/** Hard reset. With -no-reboot QEMU exits instead. */
export const systemReset = (monitor: QmpMonitor, options?: CallOptions) =>
  runVoid(monitor, "system_reset", undefined, options)

/**
 * Ends the QEMU process (SHUTDOWN {reason: "host-qmp-quit"}, then the socket closes). The socket may close
 * before the reply arrives, so a disconnect counts as success.
 */
export const quit = Effect.fn("Qmp.quit")(function* (monitor: QmpMonitor, options?: CallOptions) {
  yield* runVoid(monitor, "quit", undefined, options).pipe(
    Effect.catchReason("QmpError", "QmpDisconnected", () => Effect.void),
  )
})

export const QemuVersion = Schema.Struct({
  qemu: Schema.Struct({ major: Schema.Number, minor: Schema.Number, micro: Schema.Number }),
  package: Schema.String,
})
export type QemuVersion = typeof QemuVersion.Type

export const queryVersion = (monitor: QmpMonitor, options?: CallOptions): Effect.Effect<QemuVersion, QmpError> =>
  runDecoded(monitor, "query-version", undefined, QemuVersion, options)

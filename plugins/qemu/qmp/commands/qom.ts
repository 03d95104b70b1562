import { type Effect, Schema } from "effect"
import type { QmpError } from "../errors.ts"
import type { CallOptions, QmpMonitor } from "../monitor.ts"
import { runDecoded, runVoid } from "./run.ts"

export const qomSet = (
  monitor: QmpMonitor,
  options: { readonly path: string; readonly property: string; readonly value: unknown },
  callOptions?: CallOptions,
) => runVoid(monitor, "qom-set", { path: options.path, property: options.property, value: options.value }, callOptions)

/** Reads a QOM property; its shape depends on the property, so it is returned undecoded. */
export const qomGet = (
  monitor: QmpMonitor,
  options: { readonly path: string; readonly property: string },
  callOptions?: CallOptions,
): Effect.Effect<unknown, QmpError> =>
  monitor.execute("qom-get", { path: options.path, property: options.property }, callOptions)

/** Where a device added with `id` lives in the QOM tree. */
export const peripheralPath = (id: string): string => `/machine/peripheral/${id}`

/** Asks the balloon driver in the guest to report memory statistics every `seconds` (0 turns it off). */
export const enableBalloonStats = (monitor: QmpMonitor, balloonPath: string, seconds: number, options?: CallOptions) =>
  qomSet(monitor, { path: balloonPath, property: "guest-stats-polling-interval", value: seconds }, options)

export const BalloonStats = Schema.Struct({
  /**
   * Keyed by QEMU's names: "stat-total-memory", "stat-free-memory", "stat-available-memory", "stat-disk-caches",
   * "stat-swap-in", … in bytes (counts for the fault stats). QEMU sends a stat the guest did not report as
   * u64 -1 (2^64 - 1 once parsed); see reportedStats.
   */
  stats: Schema.Record(Schema.String, Schema.Number),
  /** Guest time of the last report, in seconds; 0 before the first. */
  lastUpdate: Schema.Number,
}).pipe(Schema.encodeKeys({ lastUpdate: "last-update" }))
export type BalloonStats = typeof BalloonStats.Type

/** Only the statistics the guest did report (drops QEMU's u64 -1 "not reported" marker). */
export const reportedStats = (stats: BalloonStats): Readonly<Record<string, number>> =>
  Object.fromEntries(Object.entries(stats.stats).filter(([, value]) => value < 2 ** 63))

/** The last memory statistics the guest's balloon driver sent (see enableBalloonStats). */
export const balloonGuestStats = (
  monitor: QmpMonitor,
  balloonPath: string,
  options?: CallOptions,
): Effect.Effect<BalloonStats, QmpError> =>
  runDecoded(monitor, "qom-get", { path: balloonPath, property: "guest-stats" }, BalloonStats, options)

import { type Effect, Schema } from "effect"
import type { QmpError } from "../errors.ts"
import type { CallOptions, QmpMonitor } from "../monitor.ts"
import { definedOnly, runDecoded, runVoid } from "./run.ts"

/** Migration capabilities this driver sets (QAPI MigrationCapability names). */
export type MigrationCapabilityName = "events" | "postcopy-ram" | "auto-converge" | "pause-before-switchover"

export const migrateSetCapabilities = (
  monitor: QmpMonitor,
  capabilities: Partial<Record<MigrationCapabilityName, boolean>>,
  options?: CallOptions,
) =>
  runVoid(
    monitor,
    "migrate-set-capabilities",
    { capabilities: Object.entries(capabilities).map(([capability, state]) => ({ capability, state })) },
    options,
  )

/** `downtime-limit` in ms, `max-bandwidth` in bytes per second (QEMU's default is 128 MiB/s). */
export const migrateSetParameters = (
  monitor: QmpMonitor,
  parameters: { readonly downtimeLimitMs?: number; readonly maxBandwidth?: number },
  options?: CallOptions,
) =>
  runVoid(
    monitor,
    "migrate-set-parameters",
    definedOnly({ "downtime-limit": parameters.downtimeLimitMs, "max-bandwidth": parameters.maxBandwidth }),
    options,
  )

/** Target: starts listening (QEMU was started with `-incoming defer`). */
export const migrateIncoming = (monitor: QmpMonitor, uri: string, options?: CallOptions) =>
  runVoid(monitor, "migrate-incoming", { uri }, options)

/** Source: starts sending; returns at once, the migration runs in QEMU's migration thread. */
export const migrate = (monitor: QmpMonitor, uri: string, options?: CallOptions) =>
  runVoid(monitor, "migrate", { uri }, options)

export const migrateCancel = (monitor: QmpMonitor, options?: CallOptions) =>
  runVoid(monitor, "migrate_cancel", undefined, options)

/**
 * Source, with `pause-before-switchover`: lets a migration waiting in `state` (pre-switchover: vCPUs stopped, block
 * devices still active, device state not yet sent) go on to the switch-over.
 */
export const migrateContinue = (monitor: QmpMonitor, state: "pre-switchover", options?: CallOptions) =>
  runVoid(monitor, "migrate-continue", { state }, options)

/** Switches a running pre-copy to post-copy (needs postcopy-ram on both sides, set before the migration). */
export const migrateStartPostcopy = (monitor: QmpMonitor, options?: CallOptions) =>
  runVoid(monitor, "migrate-start-postcopy", undefined, options)

export const MigrationRam = Schema.Struct({
  transferred: Schema.Number,
  remaining: Schema.Number,
  total: Schema.Number,
  dirtyPagesRate: Schema.Number,
  dirtySyncCount: Schema.Number,
}).pipe(Schema.encodeKeys({ dirtyPagesRate: "dirty-pages-rate", dirtySyncCount: "dirty-sync-count" }))

/**
 * query-migrate: `status` is none, setup, active, postcopy-active, pre-switchover, device, completed, failed,
 * cancelling, cancelled, … (kept a string). `ram` exists once the migration runs; the times once it has ended.
 */
export const MigrationInfo = Schema.Struct({
  status: Schema.optionalKey(Schema.String),
  ram: Schema.optionalKey(MigrationRam),
  totalTime: Schema.optionalKey(Schema.Number),
  downtime: Schema.optionalKey(Schema.Number),
  expectedDowntime: Schema.optionalKey(Schema.Number),
  errorDesc: Schema.optionalKey(Schema.String),
}).pipe(
  Schema.encodeKeys({
    totalTime: "total-time",
    expectedDowntime: "expected-downtime",
    errorDesc: "error-desc",
  }),
)
export type MigrationInfo = typeof MigrationInfo.Type

export const queryMigrate = (monitor: QmpMonitor, options?: CallOptions): Effect.Effect<MigrationInfo, QmpError> =>
  runDecoded(monitor, "query-migrate", undefined, MigrationInfo, options)

/** Target: an NBD server for the disks the source mirrors (local storage). */
export const nbdServerStart = (monitor: QmpMonitor, host: string, port: number, options?: CallOptions) =>
  runVoid(monitor, "nbd-server-start", { addr: { type: "inet", data: { host, port: String(port) } } }, options)

/** Stops the NBD server and removes every export on it. */
export const nbdServerStop = (monitor: QmpMonitor, options?: CallOptions) =>
  runVoid(monitor, "nbd-server-stop", undefined, options)

/** Exports a block node on the NBD server under the node's own name. */
export const nbdExportAdd = (monitor: QmpMonitor, nodeName: string, options?: CallOptions) =>
  runVoid(
    monitor,
    "block-export-add",
    { type: "nbd", id: `mig-${nodeName}`, "node-name": nodeName, name: nodeName, writable: true },
    options,
  )

/**
 * Mirrors `device` into the existing node `target`, in the background (QEMU's default copy mode, libvirt's too):
 * guest writes complete on the source alone and the job copies what they dirtied after them, so the guest's disk
 * never waits on the target. The copy is exact only once the job ends with the vCPUs stopped (`block-job-cancel` of
 * a ready job copies what is left). write-blocking made each guest write wait for the target: QEMU 7.2 then hung the
 * guest's disk when the target stalled, and aborted (heap corruption) when the job was force-cancelled mid-copy.
 */
export const blockdevMirror = (
  monitor: QmpMonitor,
  args: {
    readonly jobId: string
    readonly device: string
    readonly target: string
    /** Caps the copy (bytes/s); none by default. */
    readonly speed?: number | undefined
  },
  options?: CallOptions,
) =>
  runVoid(
    monitor,
    "blockdev-mirror",
    definedOnly({
      "job-id": args.jobId,
      device: args.device,
      target: args.target,
      sync: "full",
      "copy-mode": "background",
      speed: args.speed,
    }),
    options,
  )

/** A ready mirror ends without a pivot (the target stays a copy); `force` abandons a job that is not ready. */
export const blockJobCancel = (monitor: QmpMonitor, device: string, force: boolean, options?: CallOptions) =>
  runVoid(monitor, "block-job-cancel", { device, force }, options)

export const BlockJobInfo = Schema.Struct({
  device: Schema.String,
  len: Schema.Number,
  offset: Schema.Number,
  ready: Schema.Boolean,
})
export const queryBlockJobs = (monitor: QmpMonitor, options?: CallOptions) =>
  runDecoded(monitor, "query-block-jobs", undefined, Schema.Array(BlockJobInfo), options)

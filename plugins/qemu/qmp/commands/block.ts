import { type Effect, Schema } from "effect"
import type { QmpError } from "../errors.ts"
import type { CallOptions, QmpMonitor } from "../monitor.ts"
import { runDecoded, runVoid } from "./run.ts"

/** blockdev-add's arguments, in QAPI's own spelling (a large union: only the common keys are typed). */
export interface BlockdevOptions {
  readonly driver: string
  readonly "node-name": string
  readonly [key: string]: unknown
}

/** A qcow2 node over a file node; `backing` names an existing node, or null for none. */
export const qcow2Node = (options: {
  readonly nodeName: string
  readonly filename: string
  readonly readOnly?: boolean
  readonly backing?: string | null
}): BlockdevOptions => ({
  driver: "qcow2",
  "node-name": options.nodeName,
  ...(options.readOnly === undefined ? {} : { "read-only": options.readOnly }),
  ...(options.backing === undefined ? {} : { backing: options.backing }),
  file: { driver: "file", filename: options.filename, "node-name": `${options.nodeName}-file` },
})

/** A raw node over a file (ISO images, raw disks). */
export const rawNode = (options: {
  readonly nodeName: string
  readonly filename: string
  readonly readOnly?: boolean
}): BlockdevOptions => ({
  driver: "raw",
  "node-name": options.nodeName,
  ...(options.readOnly === undefined ? {} : { "read-only": options.readOnly }),
  file: { driver: "file", filename: options.filename, "node-name": `${options.nodeName}-file` },
})

export const blockdevAdd = (monitor: QmpMonitor, options: BlockdevOptions, callOptions?: CallOptions) =>
  runVoid(monitor, "blockdev-add", options, callOptions)

/** Removes a node nobody uses any more ("Node … is in use" otherwise). Child nodes go with it unless named. */
export const blockdevDel = (monitor: QmpMonitor, nodeName: string, callOptions?: CallOptions) =>
  runVoid(monitor, "blockdev-del", { "node-name": nodeName }, callOptions)

export const SnapshotInfo = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  vmStateSize: Schema.Number,
  dateSec: Schema.Number,
  dateNsec: Schema.Number,
  vmClockSec: Schema.Number,
  vmClockNsec: Schema.Number,
}).pipe(
  Schema.encodeKeys({
    vmStateSize: "vm-state-size",
    dateSec: "date-sec",
    dateNsec: "date-nsec",
    vmClockSec: "vm-clock-sec",
    vmClockNsec: "vm-clock-nsec",
  }),
)
export type SnapshotInfo = typeof SnapshotInfo.Type

export const ImageInfo = Schema.Struct({
  filename: Schema.String,
  format: Schema.String,
  virtualSize: Schema.Number,
  actualSize: Schema.optionalKey(Schema.Number),
  backingFilename: Schema.optionalKey(Schema.String),
  /** Internal snapshots in the image (snapshot-save writes them here). */
  snapshots: Schema.optionalKey(Schema.Array(SnapshotInfo)),
}).pipe(
  Schema.encodeKeys({ virtualSize: "virtual-size", actualSize: "actual-size", backingFilename: "backing-filename" }),
)
export type ImageInfo = typeof ImageInfo.Type

export const BlockInfo = Schema.Struct({
  /** The legacy block backend name; "" for devices built from -blockdev. */
  device: Schema.String,
  /** The guest device's id (or QOM path). */
  qdev: Schema.optionalKey(Schema.String),
  removable: Schema.Boolean,
  locked: Schema.Boolean,
  trayOpen: Schema.optionalKey(Schema.Boolean),
  inserted: Schema.optionalKey(
    Schema.Struct({
      file: Schema.String,
      nodeName: Schema.optionalKey(Schema.String),
      ro: Schema.Boolean,
      drv: Schema.String,
      encrypted: Schema.Boolean,
      image: ImageInfo,
    }).pipe(Schema.encodeKeys({ nodeName: "node-name" })),
  ),
}).pipe(Schema.encodeKeys({ trayOpen: "tray_open" }))
export type BlockInfo = typeof BlockInfo.Type

export const queryBlock = (
  monitor: QmpMonitor,
  options?: CallOptions,
): Effect.Effect<ReadonlyArray<BlockInfo>, QmpError> =>
  runDecoded(monitor, "query-block", undefined, Schema.Array(BlockInfo), options)

export const BlockStats = Schema.Struct({
  device: Schema.optionalKey(Schema.String),
  nodeName: Schema.optionalKey(Schema.String),
  qdev: Schema.optionalKey(Schema.String),
  stats: Schema.Struct({
    rdBytes: Schema.Number,
    wrBytes: Schema.Number,
    rdOperations: Schema.Number,
    wrOperations: Schema.Number,
    flushOperations: Schema.Number,
    rdTotalTimeNs: Schema.Number,
    wrTotalTimeNs: Schema.Number,
  }).pipe(
    Schema.encodeKeys({
      rdBytes: "rd_bytes",
      wrBytes: "wr_bytes",
      rdOperations: "rd_operations",
      wrOperations: "wr_operations",
      flushOperations: "flush_operations",
      rdTotalTimeNs: "rd_total_time_ns",
      wrTotalTimeNs: "wr_total_time_ns",
    }),
  ),
}).pipe(Schema.encodeKeys({ nodeName: "node-name" }))
export type BlockStats = typeof BlockStats.Type

/** I/O counters per attached drive (disk metrics, item 7). */
export const queryBlockstats = (
  monitor: QmpMonitor,
  options?: CallOptions,
): Effect.Effect<ReadonlyArray<BlockStats>, QmpError> =>
  runDecoded(monitor, "query-blockstats", undefined, Schema.Array(BlockStats), options)

import { Effect, Schema } from "effect"
import { VmSpec } from "../../core/driver/spec.ts"

/** What lives on a domain's disks: free-form data plus the credentials the guest agent set. */
export const GuestDisk = Schema.Struct({
  data: Schema.Record(Schema.String, Schema.String),
  passwords: Schema.Record(Schema.String, Schema.String),
  authorizedKeys: Schema.Record(Schema.String, Schema.Array(Schema.String)),
})
export type GuestDisk = typeof GuestDisk.Type

export const emptyGuestDisk: GuestDisk = { data: {}, passwords: {}, authorizedKeys: {} }

/**
 * Files the guest keeps in RAM only (its tmpfs): gone after a cold boot or reset, kept by memory snapshots. Absent
 * from state files written before it existed, hence the decoding default.
 */
const Ram = Schema.Record(Schema.String, Schema.String).pipe(Schema.withDecodingDefaultKey(Effect.succeed({})))

export const SnapshotRecord = Schema.Struct({
  name: Schema.String,
  withMemory: Schema.Boolean,
  sizeBytes: Schema.Number,
  createdAtMs: Schema.Number,
  guest: GuestDisk,
  /** The memory counter at the time, meaningful only with memory. */
  memory: Schema.Number,
  /** The RAM files at the time, only with memory. */
  ram: Ram,
})
export type SnapshotRecord = typeof SnapshotRecord.Type

/**
 * A persistent dirty bitmap on one disk (a backup chain): the disk's files as the chain's last backup saw them, so an
 * increment holds exactly what changed since, and that backup's file, which the next increment must build on.
 */
export const BitmapRecord = Schema.Struct({
  diskId: Schema.String,
  chain: Schema.String,
  baseline: Schema.Record(Schema.String, Schema.String),
  last: Schema.String,
})
export type BitmapRecord = typeof BitmapRecord.Type

/** The guest agent's file-system freeze, with counts so that tests can check every freeze was thawed. */
export const QuiesceRecord = Schema.Struct({ frozen: Schema.Boolean, freezes: Schema.Number, thaws: Schema.Number })
export type QuiesceRecord = typeof QuiesceRecord.Type

const notFrozen: QuiesceRecord = { frozen: false, freezes: 0, thaws: 0 }

/** Load figures a test imposes on stats (alarm tests); null: the fake's own plausible numbers. */
export const GuestLoad = Schema.Struct({ cpuPercent: Schema.Number, memoryUsedBytes: Schema.Number })
export type GuestLoad = typeof GuestLoad.Type

/** One domain as the fake hypervisor keeps it; also the stateFile's row. */
export const DomainRecord = Schema.Struct({
  spec: VmSpec,
  power: Schema.Literals(["running", "paused", "stopped", "crashed"]),
  guest: GuestDisk,
  /** Stands for the guest's RAM: cleared by a cold boot, kept by memory snapshots. */
  memory: Schema.Number,
  ram: Ram,
  /** Set by reverting a memory snapshot: the next start resumes that memory instead of booting cold. */
  resumeMemory: Schema.Boolean,
  bootedAtMs: Schema.NullOr(Schema.Number),
  ignoreAcpi: Schema.Boolean,
  load: Schema.NullOr(GuestLoad),
  snapshots: Schema.Array(SnapshotRecord),
  // Both absent from state files written before backups existed.
  bitmaps: Schema.Array(BitmapRecord).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
  quiesce: QuiesceRecord.pipe(Schema.withDecodingDefaultKey(Effect.succeed(notFrozen))),
})
export type DomainRecord = typeof DomainRecord.Type

const VolumeFormat = Schema.Literals(["qcow2", "raw"])

/**
 * A disk file the fake pretends to hold (it writes no image files). Backups and restored disks carry the guest files
 * they hold, paths relative to the disk's mount point; an increment holds only what changed over its backing file,
 * and the files deleted since.
 */
export const VolumeRecord = Schema.Struct({
  path: Schema.String,
  format: VolumeFormat,
  sizeGiB: Schema.Number,
  backingPath: Schema.optionalKey(Schema.String),
  backingFormat: Schema.optionalKey(VolumeFormat),
  files: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  deleted: Schema.optionalKey(Schema.Array(Schema.String)),
})
export type VolumeRecord = typeof VolumeRecord.Type

export const FakeState = Schema.Struct({
  format: Schema.Literal("hyperx-fake/1"),
  domains: Schema.Array(DomainRecord),
  volumes: Schema.Array(VolumeRecord),
})
export type FakeState = typeof FakeState.Type

export const newDomain = (spec: VmSpec): DomainRecord => ({
  spec,
  power: "stopped",
  guest: emptyGuestDisk,
  memory: 0,
  ram: {},
  resumeMemory: false,
  bootedAtMs: null,
  ignoreAcpi: false,
  load: null,
  snapshots: [],
  bitmaps: [],
  quiesce: notFrozen,
})

/** Bytes the guest's data takes on disk, for plausible snapshot sizes and file-system usage. */
export const guestBytes = (guest: GuestDisk): number =>
  Object.entries(guest.data).reduce((sum, [key, value]) => sum + key.length + value.length, 0)

/** A cold boot or reset: RAM starts empty unless a reverted memory snapshot is to be resumed. */
export const booted = (record: DomainRecord, now: number): DomainRecord => ({
  ...record,
  quiesce: { ...record.quiesce, frozen: false },
  power: "running",
  bootedAtMs: now,
  memory: record.resumeMemory ? record.memory : 0,
  ram: record.resumeMemory ? record.ram : {},
  resumeMemory: false,
})

export const poweredOff = (record: DomainRecord): DomainRecord => ({
  ...record,
  quiesce: { ...record.quiesce, frozen: false },
  power: "stopped",
  bootedAtMs: null,
  memory: 0,
  ram: {},
})

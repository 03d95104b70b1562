import { Schema } from "effect"
import { Id, MinorUnits, NonNegativeInt, PositiveInt, Timestamp } from "./common.ts"

export const DiskRole = Schema.Literals(["system", "data"])
export type DiskRole = typeof DiskRole.Type

export const DiskFormat = Schema.Literals(["qcow2", "raw"])
export type DiskFormat = typeof DiskFormat.Type

export const DiskBus = Schema.Literals(["virtio", "scsi", "sata"])
export type DiskBus = typeof DiskBus.Type

/** A virtual disk (虚拟磁盘); attached while vmId is set (V1–V3). */
export const Disk = Schema.Struct({
  id: Id,
  name: Schema.String,
  departmentId: Id,
  ownerId: Id,
  hostId: Schema.NullOr(Id),
  vmId: Schema.NullOr(Id),
  role: DiskRole,
  /** Storage class chosen at creation (e.g. "standard", "ssd"); it prices the disk. */
  storageClass: Schema.String,
  format: DiskFormat,
  bus: DiskBus,
  sizeGiB: PositiveInt,
  /** File on the host; a copy-on-write overlay may name its base in backingPath. */
  path: Schema.String,
  backingPath: Schema.NullOr(Schema.String),
  perDay: MinorUnits,
  createdAt: Timestamp,
})
export type Disk = typeof Disk.Type

/** Whether a snapshot, backup or schedule-made item came from a schedule or a person (P2, V5). */
export const Origin = Schema.Literals(["manual", "scheduled"])
export type Origin = typeof Origin.Type

export const SnapshotState = Schema.Literals(["creating", "ready", "failed"])

/** A VM snapshot (P1–P5), optionally with memory. */
export const Snapshot = Schema.Struct({
  id: Id,
  vmId: Id,
  name: Schema.String,
  withMemory: Schema.Boolean,
  origin: Origin,
  scheduleId: Schema.NullOr(Id),
  state: SnapshotState,
  sizeBytes: NonNegativeInt,
  createdAt: Timestamp,
})
export type Snapshot = typeof Snapshot.Type

export const BackupKind = Schema.Literals(["full", "incremental"])

/** A disk backup (V4–V6): a full one, or an increment on top of its parent. */
export const Backup = Schema.Struct({
  id: Id,
  diskId: Id,
  vmId: Schema.NullOr(Id),
  kind: BackupKind,
  parentId: Schema.NullOr(Id),
  origin: Origin,
  scheduleId: Schema.NullOr(Id),
  location: Schema.String,
  sizeBytes: NonNegativeInt,
  state: SnapshotState,
  createdAt: Timestamp,
})
export type Backup = typeof Backup.Type

export const Period = Schema.Literals(["hourly", "daily", "weekly", "monthly"])
export type Period = typeof Period.Type

export const ScheduleTarget = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("vm-snapshot"), vmId: Id, withMemory: Schema.Boolean }),
  Schema.Struct({ kind: Schema.Literal("disk-backup"), diskId: Id }),
])
export type ScheduleTarget = typeof ScheduleTarget.Type

/** A snapshot or backup schedule (P2, P3, V5, V6); retention keeps its own newest N items. */
export const Schedule = Schema.Struct({
  id: Id,
  target: ScheduleTarget,
  period: Period,
  minute: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 59 })),
  hour: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 23 })),
  /** 0 = Sunday; used by weekly schedules. */
  dayOfWeek: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 6 })),
  /** Used by monthly schedules. */
  dayOfMonth: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 31 })),
  timeZone: Schema.String,
  retention: PositiveInt,
  enabled: Schema.Boolean,
  lastRunAt: Schema.NullOr(Timestamp),
  createdBy: Id,
  createdAt: Timestamp,
})
export type Schedule = typeof Schedule.Type

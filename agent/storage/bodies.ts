import { Schema } from "effect"
import { Period } from "../../core/index.ts"
import { ApiId, Text } from "../validation/schemas.ts"

const IntBetween = (minimum: number, maximum: number) => Schema.Int.check(Schema.isBetween({ minimum, maximum }))

/** P1: both optional; the name defaults to "snapshot-<UTC time>". */
export const SnapshotBody = Schema.Struct({
  /** 1–64 characters. */
  name: Schema.optionalKey(Text(64)),
  /** Save the running guest's memory too (rule memory-snapshot-running-only). */
  withMemory: Schema.optionalKey(Schema.Boolean),
}).annotate({ identifier: "SnapshotCreate" })

/** V4 restore: the new disk's name, 1–64 characters; default "<disk>-restored-<backup id>". */
export const RestoreBody = Schema.Struct({ name: Schema.optionalKey(Text(64)) }).annotate({
  identifier: "BackupRestore",
})

export { NoOptions } from "../validation/schemas.ts"

/** V2: a new data disk on the VM: name 1–64 characters, size in GiB, storage class (prices it; default "standard"). */
export const DiskCreateBody = Schema.Struct({
  name: Text(64).check(Schema.isMinLength(1)),
  sizeGiB: IntBetween(1, 65536),
  storageClass: Schema.optionalKey(Text(32).check(Schema.isMinLength(1))),
}).annotate({ identifier: "DiskCreate" })

/** P2, V5: when a schedule runs, in which time zone, and how many of its own items it keeps. */
const scheduleFields = {
  period: Period,
  minute: IntBetween(0, 59),
  /** Daily, weekly and monthly; default 0. */
  hour: Schema.optionalKey(IntBetween(0, 23)),
  /** Weekly, 0 = Sunday; default 0. */
  dayOfWeek: Schema.optionalKey(IntBetween(0, 6)),
  /** Monthly, 1–31 (past a month's end: its last day); default 1. */
  dayOfMonth: Schema.optionalKey(IntBetween(1, 31)),
  /** An IANA zone such as "Asia/Shanghai"; default "UTC". An unknown zone is 400. */
  timeZone: Schema.optionalKey(Text(64)),
  /** Keep this many of the schedule's own newest items (manual ones are never pruned). */
  retention: IntBetween(1, 1000),
  /** Default true. */
  enabled: Schema.optionalKey(Schema.Boolean),
}

export const SnapshotScheduleBody = Schema.Struct({
  ...scheduleFields,
  /** Each run saves the running guest's memory too; default false. */
  withMemory: Schema.optionalKey(Schema.Boolean),
}).annotate({ identifier: "SnapshotScheduleCreate" })

export const BackupScheduleBody = Schema.Struct(scheduleFields).annotate({ identifier: "BackupScheduleCreate" })

export const SnapshotParams = Schema.Struct({ id: ApiId, snapshotId: ApiId })
export const ScheduleParams = Schema.Struct({ id: ApiId, scheduleId: ApiId })
export const DiskParams = Schema.Struct({ id: ApiId, diskId: ApiId })
export const DiskScheduleParams = Schema.Struct({ id: ApiId, diskId: ApiId, scheduleId: ApiId })
export const BackupParams = Schema.Struct({ backupId: ApiId })

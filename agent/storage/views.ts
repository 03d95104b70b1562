import { Effect, Schema } from "effect"
import {
  Backup,
  dueAt,
  listBackupSchedules,
  listBackups,
  listSnapshotSchedules,
  listSnapshots,
  loadVisibleVm,
  NotFound,
  Schedule,
  Snapshot,
  Store,
  Timestamp,
} from "../../core/index.ts"
import type { Actor } from "../../core/rules/context.ts"
import { DiskSeen, diskSeenBy } from "../views/host-paths.ts"
import { TaskSchema } from "../vms/responses.ts"

export const SnapshotSchema = Snapshot.annotate({ identifier: "Snapshot" })
export const BackupSchema = Backup.annotate({ identifier: "Backup" })

/** A schedule and when it runs next (null while disabled); a slot missed while the agent was down is in the past. */
export const ScheduleView = Schema.Struct({ ...Schedule.fields, nextRunAt: Schema.NullOr(Timestamp) }).annotate({
  identifier: "Schedule",
})
export type ScheduleView = typeof ScheduleView.Type

/** A disk of the VM with what the backups tab shows at a glance. */
export const DiskView = Schema.Struct({
  ...DiskSeen.fields,
  /** Every backup of the disk, whatever its state (what rule no-backups counts). */
  backupCount: Schema.Int,
  /** The newest ready backup's time. */
  lastBackupAt: Schema.NullOr(Timestamp),
}).annotate({ identifier: "DiskWithBackups" })

/** A disk in its department's list (V1–V3): its owner's name and the VM holding it (null: unattached). */
export const DiskListed = Schema.Struct({
  ...DiskSeen.fields,
  ownerName: Schema.NullOr(Schema.String),
  vm: Schema.NullOr(Schema.Struct({ id: Schema.String, displayName: Schema.String })),
}).annotate({ identifier: "DiskListed" })

export const itemsOf = <S extends Schema.Top>(item: S) => Schema.Struct({ items: Schema.Array(item) })

export const ScheduleCreated = Schema.Struct({ task: TaskSchema, schedule: ScheduleView }).annotate({
  identifier: "ScheduleCreated",
})

export const withNextRun = (schedule: Schedule): ScheduleView => ({
  ...schedule,
  nextRunAt: schedule.enabled ? (dueAt(schedule) ?? null) : null,
})

/** The store lists oldest first; the API shows the newest first. */
const newestFirst = <T>(rows: ReadonlyArray<T>): Array<T> => [...rows].reverse()

/** The disk, if it is attached to the VM and the actor may see the VM; NotFound otherwise (G1). */
export const diskOfVm = Effect.fn("agent.diskOfVm")(function* (actor: Actor, vmId: string, diskId: string) {
  const store = yield* Store
  yield* loadVisibleVm(actor, vmId)
  const disk = yield* store.disks.get(diskId)
  if (disk.vmId !== vmId) return yield* new NotFound({ resource: "disk", id: diskId })
  return disk
})

export const snapshotItems = (actor: Actor, vmId: string) => Effect.map(listSnapshots(actor, vmId), newestFirst)

export const snapshotScheduleItems = (actor: Actor, vmId: string) =>
  Effect.map(listSnapshotSchedules(actor, vmId), (rows) => rows.map(withNextRun))

export const backupItems = (actor: Actor, vmId: string, diskId: string) =>
  Effect.andThen(diskOfVm(actor, vmId, diskId), Effect.map(listBackups(actor, diskId), newestFirst))

export const backupScheduleItems = (actor: Actor, vmId: string, diskId: string) =>
  Effect.andThen(
    diskOfVm(actor, vmId, diskId),
    Effect.map(listBackupSchedules(actor, diskId), (rows) => rows.map(withNextRun)),
  )

/** The VM's disks, in the order they were created, each with its backup count and last backup time. */
export const diskItems = Effect.fn("agent.diskItems")(function* (actor: Actor, vmId: string) {
  const store = yield* Store
  yield* loadVisibleVm(actor, vmId)
  const disks = yield* store.disks.list({ vmId })
  return yield* Effect.forEach(disks, (disk) =>
    Effect.map(store.backups.list({ diskId: disk.id }), (backups) => {
      const ready = backups.filter((backup) => backup.state === "ready")
      return { ...diskSeenBy(actor)(disk), backupCount: backups.length, lastBackupAt: ready.at(-1)?.createdAt ?? null }
    }),
  )
})

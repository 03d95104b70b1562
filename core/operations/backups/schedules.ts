import { Effect } from "effect"
import type { Driver } from "../../driver/driver.ts"
import { NotFound } from "../../errors.ts"
import type { Disk, Schedule } from "../../model/storage.ts"
import type { Vm } from "../../model/vm.ts"
import type { Actor } from "../../rules/context.ts"
import { type BackupScheduleContext, type DiskContext, diskRules } from "../../rules/disks.ts"
import { type ScheduleInput, scheduleRecord } from "../../scheduler/input.ts"
import { Store } from "../../store/ports.ts"
import { now } from "../clock.ts"
import { driverFor, ignoreMissing } from "../driver-for.ts"
import { runItemOperation, runVmOperation } from "../run-vm-operation.ts"
import type { TaskStart } from "../tasks.ts"
import type { ItemOperation, RecordWork, VmOperation } from "../vm-operation.ts"
import { chainName, rootOf, streamOf } from "./chains.ts"
import { backupCalls, driverForDisk, loadVisibleDisk } from "./disk-access.ts"

type BackupScheduleCreate = BackupScheduleContext & { readonly schedule: Schedule }

/**
 * V5: a backup schedule for a disk attached to the VM: not while the VM has snapshots or snapshot schedules, at
 * most one per period kind per disk, and only on a driver that backs disks up; checked again under the VM's lock.
 */
export const createBackupScheduleOperation: VmOperation<
  "counts",
  { readonly schedule: Schedule; readonly diskId: string; readonly params: unknown },
  BackupScheduleCreate,
  void,
  RecordWork<BackupScheduleCreate, void, Schedule>
> = {
  operation: "disk.backup-schedule",
  reads: "counts",
  context: (base, { schedule, diskId }) =>
    Effect.gen(function* () {
      const store = yield* Store
      const existing = yield* store.schedules.list({ kind: "disk-backup", diskId })
      return {
        ...base,
        schedule,
        disk: (yield* loadVisibleDisk(base.actor, diskId)).disk,
        period: schedule.period,
        existingPeriods: existing.map((other) => other.period),
      }
    }),
  rules: diskRules["backup-schedule"],
  prepare: ({ vm }) => Effect.asVoid(Effect.flatMap(driverFor(vm), (driver) => backupCalls(driver, "backups.full"))),
  task: ({ schedule }, { params }) => ({ targetId: schedule.id, params }),
  work: { kind: "record", write: ({ schedule }) => Store.use((store) => store.schedules.insert(schedule)) },
}

export const createBackupSchedule = Effect.fn("operations.createBackupSchedule")(function* (
  actor: Actor,
  vmId: string,
  diskId: string,
  input: ScheduleInput,
) {
  const schedule = yield* scheduleRecord(input, { kind: "disk-backup", diskId }, actor.userId, yield* now)
  const run = runVmOperation(createBackupScheduleOperation, actor, vmId, {
    schedule,
    diskId,
    params: { diskId, ...input },
  })
  const { task, value } = yield* run
  return { task, schedule: value }
})

/** The schedule's chain that is still growing has its bitmap dropped: nobody will extend it. */
const dropOpenChain = (driver: Driver, disk: Disk, vm: Vm, schedule: Schedule) =>
  Effect.gen(function* () {
    const store = yield* Store
    const all = yield* store.backups.list({ diskId: disk.id })
    const newest = streamOf(all, schedule.id)
      .filter((b) => b.state === "ready")
      .at(-1)
    if (newest === undefined || driver.backups === undefined) return
    yield* ignoreMissing(driver.backups.dropChain(vm.hostname, disk.id, chainName(rootOf(newest, all).id))).pipe(
      Effect.catch((error) => Effect.logWarning(`could not drop the bitmap of schedule ${schedule.id}`, error)),
    )
  })

type Removal = { readonly disk: Disk; readonly schedule: Schedule; readonly scope: TaskStart["scope"] }
type RemovalInput = { readonly diskId: string; readonly scheduleId: string }

/** The disk (if the actor may see it) and its backup schedule; any other schedule is not found. */
const removal = Effect.fn("operations.backupScheduleRemoval")(function* (actor: Actor, input: RemovalInput) {
  const store = yield* Store
  const { disk, scope } = yield* loadVisibleDisk(actor, input.diskId)
  const schedule = yield* store.schedules.get(input.scheduleId)
  if (schedule.target.kind !== "disk-backup" || schedule.target.diskId !== disk.id) {
    return yield* new NotFound({ resource: "schedule", id: input.scheduleId })
  }
  return { disk, schedule, scope } satisfies Removal
})

const removalTask = ({ disk, schedule }: Removal) => ({
  targetId: schedule.id,
  params: { diskId: disk.id, scheduleId: schedule.id, period: schedule.period },
})

/** Its growing chain's bitmap dropped while the disk is attached, then the record. */
const removeSchedule = (context: Removal & { readonly vm?: Vm }, driver: Driver) =>
  Effect.gen(function* () {
    if (context.vm !== undefined) yield* dropOpenChain(driver, context.disk, context.vm, context.schedule)
    yield* Store.use((store) => store.schedules.remove(context.schedule.id))
  })

/**
 * V6: delete a backup schedule; the backups it made stay (restorable, no longer pruned). Its growing chain's bitmap
 * is dropped (a failure to drop is logged, never blocks the deletion). While the disk is attached the VM's lock is
 * held, so that no run of the schedule is halfway. A task.
 */
export const deleteBackupScheduleOperation: ItemOperation<
  "counts",
  RemovalInput,
  DiskContext & Removal,
  Driver,
  RecordWork<DiskContext & Removal, Driver, void>,
  Removal,
  Driver,
  RecordWork<Removal, Driver, void>
> = {
  holder: (actor, input) => Effect.map(removal(actor, input), ({ disk }) => disk.vmId),
  held: {
    operation: "disk.delete-backup-schedule",
    reads: "counts",
    context: (base, input) => Effect.map(removal(base.actor, input), (context) => ({ ...base, ...context })),
    rules: diskRules["delete-backup-schedule"],
    prepare: ({ disk }) => driverForDisk(disk),
    task: removalTask,
    work: { kind: "record", write: removeSchedule },
  },
  alone: {
    operation: "disk.delete-backup-schedule",
    context: removal,
    rules: [],
    prepare: ({ disk }) => driverForDisk(disk),
    task: (context) => ({ ...removalTask(context), scope: context.scope }),
    work: { kind: "record", write: removeSchedule },
  },
}

export const deleteBackupSchedule = (actor: Actor, diskId: string, scheduleId: string) =>
  Effect.map(runItemOperation(deleteBackupScheduleOperation, actor, { diskId, scheduleId }), ({ task }) => task)

/** V5: a disk's backup schedules; `dueAt` (core/scheduler) tells when each runs next. */
export const listBackupSchedules = Effect.fn("operations.listBackupSchedules")(function* (
  actor: Actor,
  diskId: string,
) {
  const store = yield* Store
  yield* loadVisibleDisk(actor, diskId)
  return yield* store.schedules.list({ kind: "disk-backup", diskId })
})

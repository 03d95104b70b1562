import { Effect } from "effect"
import type { Driver } from "../../driver/driver.ts"
import { NotFound } from "../../errors.ts"
import type { Disk, Schedule } from "../../model/storage.ts"
import type { Vm } from "../../model/vm.ts"
import type { Actor } from "../../rules/context.ts"
import { type BackupScheduleContext, type DiskContext, diskRules } from "../../rules/disks.ts"
import { checkRules } from "../../rules/rule.ts"
import { type ScheduleInput, scheduleRecord } from "../../scheduler/input.ts"
import { Store } from "../../store/ports.ts"
import { now } from "../clock.ts"
import { driverFor, ignoreMissing } from "../driver-for.ts"
import { runVmOperation } from "../run-vm-operation.ts"
import { recordTask, withVmLock } from "../snapshots/vm-task.ts"
import type { RecordWork, VmOperation } from "../vm-operation.ts"
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

/**
 * V6: delete a backup schedule; the backups it made stay (restorable, no longer pruned). Its growing chain's bitmap
 * is dropped (a failure to drop is logged, never blocks the deletion). While the disk is attached the VM's lock is
 * held, so that no run of the schedule is halfway. A task.
 */
export const deleteBackupSchedule = Effect.fn("operations.deleteBackupSchedule")(function* (
  actor: Actor,
  diskId: string,
  scheduleId: string,
) {
  const store = yield* Store
  const { disk, scope } = yield* loadVisibleDisk(actor, diskId)
  const schedule = yield* store.schedules.get(scheduleId)
  if (schedule.target.kind !== "disk-backup" || schedule.target.diskId !== diskId) {
    return yield* new NotFound({ resource: "schedule", id: scheduleId })
  }
  const driver = yield* driverForDisk(disk)
  const remove = (vm: Vm | null) =>
    recordTask(
      {
        operation: "disk.delete-backup-schedule",
        actor,
        scope,
        ...(vm === null ? {} : { vmId: vm.id }),
        targetId: schedule.id,
        params: { diskId, scheduleId, period: schedule.period },
      },
      Effect.gen(function* () {
        if (vm !== null) yield* dropOpenChain(driver, disk, vm, schedule)
        yield* store.schedules.remove(schedule.id)
      }),
    ).pipe(Effect.map(({ task }) => task))
  if (disk.vmId === null) return yield* remove(null)
  return yield* withVmLock({
    operation: "disk.delete-backup-schedule",
    actor,
    vmId: disk.vmId,
    reads: "counts",
    check: (base) =>
      Effect.gen(function* () {
        const context: DiskContext = { ...base, disk: yield* store.disks.get(diskId) }
        yield* checkRules("disk.delete-backup-schedule", diskRules["delete-backup-schedule"], context)
        return context
      }),
    body: (context, release) => remove(context.vm).pipe(Effect.ensuring(release)),
  })
})

/** V5: a disk's backup schedules; `dueAt` (core/scheduler) tells when each runs next. */
export const listBackupSchedules = Effect.fn("operations.listBackupSchedules")(function* (
  actor: Actor,
  diskId: string,
) {
  const store = yield* Store
  yield* loadVisibleDisk(actor, diskId)
  return yield* store.schedules.list({ kind: "disk-backup", diskId })
})

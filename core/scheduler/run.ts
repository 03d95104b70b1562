import { type Cause, Effect, Exit } from "effect"
import { RuleViolation } from "../errors.ts"
import type { Disk, Operation, Schedule, Task, Vm } from "../model/index.ts"
import { backupDisk } from "../operations/backups/backup.ts"
import { backupsToPrune } from "../operations/backups/chains.ts"
import { deleteBackup } from "../operations/backups/delete.ts"
import { diskScope } from "../operations/backups/disk-access.ts"
import type { TaskHandle } from "../operations/run-vm-operation.ts"
import { createSnapshot } from "../operations/snapshots/create.ts"
import { deleteSnapshot } from "../operations/snapshots/delete.ts"
import { systemActor } from "../operations/system-actor.ts"
import { beginTask, finishTask } from "../operations/tasks.ts"
import { scopeOf } from "../operations/vm-state.ts"
import type { Actor } from "../rules/context.ts"
import { diskAttached } from "../rules/disks.ts"
import type { Message } from "../rules/rule.ts"
import { Store } from "../store/ports.ts"
import { snapshotsToPrune } from "./retention.ts"

/** What one run of a schedule did: its task (succeeded or failed) and the deletions retention made after it. */
export interface ScheduleRun {
  readonly scheduleId: string
  readonly task: Task
  readonly pruned: ReadonlyArray<Task>
}

/** Wait for an operation's task; a refusal before any task existed (a rule, a missing driver) becomes the cause. */
const settled = <E, R>(started: Effect.Effect<TaskHandle, E, R>) =>
  Effect.exit(Effect.flatMap(started, (handle) => handle.done))

/** A run refused before it had a task is still a task (G4): recorded as failed, with the rule that refused it. */
const recordRefusal = (operation: Operation, actor: Actor, vm: Vm, schedule: Schedule, cause: Cause.Cause<unknown>) =>
  Effect.gen(function* () {
    const scope = scopeOf(vm)
    const task = yield* beginTask({
      operation,
      actor,
      scope,
      vmId: vm.id,
      targetId: schedule.target.kind === "vm-snapshot" ? schedule.id : schedule.target.diskId,
      params: { scheduleId: schedule.id },
    })
    return yield* finishTask(task, scope, Exit.failCause(cause))
  })

/** Retention: delete what the schedule made beyond its newest N, each deletion a task under the run's task. */
const prune = (schedule: Schedule, vm: Vm, actor: Actor, parentId: string) =>
  Effect.gen(function* () {
    const store = yield* Store
    const target = schedule.target
    const results: Array<Task> = []
    if (target.kind === "vm-snapshot") {
      const made = yield* store.snapshots.list({ scheduleId: schedule.id })
      for (const doomed of snapshotsToPrune(made, schedule.id, schedule.retention)) {
        const exit = yield* settled(deleteSnapshot(actor, vm.id, doomed.id, { parentId }))
        if (Exit.isSuccess(exit)) results.push(exit.value)
        else yield* Effect.logWarning(`retention could not delete snapshot ${doomed.id}`, exit.cause)
      }
    } else {
      const all = yield* store.backups.list({ diskId: target.diskId })
      for (const doomed of backupsToPrune(all, schedule.id, schedule.retention)) {
        const exit = yield* settled(deleteBackup(actor, doomed.id, { parentId }))
        if (Exit.isSuccess(exit)) results.push(exit.value)
        else yield* Effect.logWarning(`retention could not delete backup ${doomed.id}`, exit.cause)
      }
    }
    return results
  })

/**
 * One run of a schedule at `at`: a snapshot or a disk backup with origin "scheduled" (a task, failed or not), then
 * retention, then lastRunAt = `at` (the next run is the first slot after it, so a backlog of missed slots runs once).
 * A schedule deleted meanwhile keeps what it made; its lastRunAt is simply not written.
 */
export const runSchedule = Effect.fn("scheduler.runSchedule")(function* (schedule: Schedule, vm: Vm, at: Date) {
  const store = yield* Store
  const target = schedule.target
  const actor = systemActor(vm)
  const operation: Operation = target.kind === "vm-snapshot" ? "snapshot.create" : "disk.backup"
  const exit =
    target.kind === "vm-snapshot"
      ? yield* settled(createSnapshot(actor, vm.id, { withMemory: target.withMemory, scheduleId: schedule.id }))
      : yield* settled(backupDisk(actor, vm.id, target.diskId, { scheduleId: schedule.id }))
  const task = Exit.isSuccess(exit) ? exit.value : yield* recordRefusal(operation, actor, vm, schedule, exit.cause)
  const pruned = yield* prune(schedule, vm, actor, task.id)
  yield* store.schedules.update(schedule.id, { lastRunAt: at }).pipe(Effect.catchTag("NotFound", () => Effect.void))
  const run: ScheduleRun = { scheduleId: schedule.id, task, pruned }
  return run
})

/**
 * A backup schedule whose disk was detached since: the run is refused (disk-attached) and recorded as a failed
 * task in the disk's organisation, so the owner sees why nothing was backed up; the slot counts as run.
 */
export const runDetached = Effect.fn("scheduler.runDetached")(function* (schedule: Schedule, disk: Disk, at: Date) {
  const store = yield* Store
  const scope = yield* diskScope(disk)
  const actor: Actor = { userId: "system", role: "superadmin", ...scope }
  const task = yield* beginTask({
    operation: "disk.backup",
    actor,
    scope,
    targetId: disk.id,
    params: { scheduleId: schedule.id },
  })
  const message: Message =
    typeof diskAttached.message === "function"
      ? { en: "The disk is not attached to a VM", zh: "该虚拟磁盘未挂载" }
      : diskAttached.message
  const refusal = new RuleViolation({
    rule: diskAttached.name,
    operation: "disk.backup",
    kind: diskAttached.kind,
    message: message.en,
    messageZh: message.zh,
  })
  const finished = yield* finishTask(task, scope, Exit.fail(refusal))
  yield* store.schedules.update(schedule.id, { lastRunAt: at }).pipe(Effect.catchTag("NotFound", () => Effect.void))
  const run: ScheduleRun = { scheduleId: schedule.id, task: finished, pruned: [] }
  return run
})

import { Effect } from "effect"
import { NotFound } from "../../errors.ts"
import type { Actor } from "../../rules/context.ts"
import { checkRules } from "../../rules/rule.ts"
import { type SnapshotScheduleContext, snapshotRules } from "../../rules/snapshots.ts"
import { type ScheduleInput, scheduleRecord } from "../../scheduler/input.ts"
import { Store } from "../../store/ports.ts"
import { now } from "../clock.ts"
import { driverFor } from "../driver-for.ts"
import { loadVisibleVm, readVmCounts } from "../vm-context.ts"
import { scopeOf } from "../vm-state.ts"
import { snapshotCalls } from "./records.ts"
import { recordTask, withVmLock } from "./vm-task.ts"

export interface SnapshotScheduleInput extends ScheduleInput {
  /** Each run saves the running guest's memory too; default false. */
  readonly withMemory?: boolean
}

/**
 * P2: a snapshot schedule for a VM: not while its disks have backups or backup schedules, and at most one per
 * period kind. Held under the VM's lock so that two requests for the same period cannot both pass. A task.
 */
export const createSnapshotSchedule = Effect.fn("operations.createSnapshotSchedule")(function* (
  actor: Actor,
  vmId: string,
  input: SnapshotScheduleInput,
) {
  const store = yield* Store
  const target = { kind: "vm-snapshot", vmId, withMemory: input.withMemory ?? false } as const
  const schedule = yield* scheduleRecord(input, target, actor.userId, yield* now)
  const { task, value } = yield* withVmLock({
    operation: "snapshot.schedule",
    actor,
    vmId,
    reads: readVmCounts,
    check: (base) =>
      Effect.gen(function* () {
        const existing = yield* store.schedules.list({ kind: "vm-snapshot", vmId })
        const context: SnapshotScheduleContext = {
          ...base,
          period: schedule.period,
          existingPeriods: existing.map((other) => other.period),
        }
        yield* checkRules("snapshot.schedule", snapshotRules.schedule, context)
        // A schedule its driver could never run is refused now rather than failing at every run.
        const capability = target.withMemory ? "memorySnapshot" : "diskSnapshot"
        yield* snapshotCalls(yield* driverFor(base.vm), "snapshots.create", capability)
        return context
      }),
    body: (context, release) =>
      recordTask(
        {
          operation: "snapshot.schedule",
          actor,
          scope: scopeOf(context.vm),
          vmId,
          targetId: schedule.id,
          params: { ...input },
        },
        store.schedules.insert(schedule),
      ).pipe(Effect.ensuring(release)),
  })
  return { task, schedule: value }
})

/** The VM's snapshot schedule, or NotFound when it is another's (never reveal which). */
const scheduleOfVm = Effect.fn("operations.scheduleOfVm")(function* (vmId: string, scheduleId: string) {
  const store = yield* Store
  const schedule = yield* store.schedules.get(scheduleId)
  if (schedule.target.kind !== "vm-snapshot" || schedule.target.vmId !== vmId) {
    return yield* new NotFound({ resource: "schedule", id: scheduleId })
  }
  return schedule
})

/** P3: delete a snapshot schedule; the snapshots it made stay (no longer counted against any retention). A task. */
export const deleteSnapshotSchedule = Effect.fn("operations.deleteSnapshotSchedule")(function* (
  actor: Actor,
  vmId: string,
  scheduleId: string,
) {
  const store = yield* Store
  const vm = yield* loadVisibleVm(actor, vmId)
  const schedule = yield* scheduleOfVm(vmId, scheduleId)
  yield* checkRules("snapshot.delete-schedule", snapshotRules["delete-schedule"], { actor, vm })
  const { task } = yield* recordTask(
    {
      operation: "snapshot.delete-schedule",
      actor,
      scope: scopeOf(vm),
      vmId,
      targetId: schedule.id,
      params: { scheduleId: schedule.id, period: schedule.period },
    },
    store.schedules.remove(schedule.id),
  )
  return task
})

/** P2: a VM's snapshot schedules; `dueAt` (core/scheduler) tells when each runs next. */
export const listSnapshotSchedules = Effect.fn("operations.listSnapshotSchedules")(function* (
  actor: Actor,
  vmId: string,
) {
  const store = yield* Store
  yield* loadVisibleVm(actor, vmId)
  return yield* store.schedules.list({ kind: "vm-snapshot", vmId })
})

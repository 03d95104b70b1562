import { Effect } from "effect"
import { NotFound } from "../../errors.ts"
import type { Schedule } from "../../model/index.ts"
import type { Actor, VmRecordContext } from "../../rules/context.ts"
import { type SnapshotScheduleContext, snapshotRules } from "../../rules/snapshots.ts"
import { type ScheduleInput, scheduleRecord } from "../../scheduler/input.ts"
import { Store } from "../../store/ports.ts"
import { now } from "../clock.ts"
import { driverFor } from "../driver-for.ts"
import { runVmOperation } from "../run-vm-operation.ts"
import { loadVisibleVm } from "../vm-context.ts"
import type { RecordWork, VmOperation } from "../vm-operation.ts"
import { snapshotCalls } from "./records.ts"

export interface SnapshotScheduleInput extends ScheduleInput {
  /** Each run saves the running guest's memory too; default false. */
  readonly withMemory?: boolean
}

type ScheduleCreate = SnapshotScheduleContext & { readonly schedule: Schedule }

/**
 * P2: a snapshot schedule for a VM: not while its disks have backups or backup schedules, and at most one per
 * period kind, checked again under the VM's lock so that two requests for the same period cannot both pass.
 */
export const createSnapshotScheduleOperation: VmOperation<
  "counts",
  Schedule,
  ScheduleCreate,
  void,
  RecordWork<ScheduleCreate, void, Schedule>
> = {
  operation: "snapshot.schedule",
  reads: "counts",
  context: (base, schedule) =>
    Store.use((store) => store.schedules.list({ kind: "vm-snapshot", vmId: base.vm.id })).pipe(
      Effect.map((existing) => ({
        ...base,
        schedule,
        period: schedule.period,
        existingPeriods: existing.map((other) => other.period),
      })),
    ),
  rules: snapshotRules.schedule,
  // A schedule its driver could never run is refused now rather than failing at every run.
  prepare: ({ vm, schedule }) =>
    Effect.gen(function* () {
      const withMemory = schedule.target.kind === "vm-snapshot" && schedule.target.withMemory
      yield* snapshotCalls(yield* driverFor(vm), "snapshots.create", withMemory ? "memorySnapshot" : "diskSnapshot")
    }),
  task: ({ schedule }) => ({ targetId: schedule.id }),
  work: { kind: "record", write: ({ schedule }) => Store.use((store) => store.schedules.insert(schedule)) },
}

export const createSnapshotSchedule = Effect.fn("operations.createSnapshotSchedule")(function* (
  actor: Actor,
  vmId: string,
  input: SnapshotScheduleInput,
) {
  const target = { kind: "vm-snapshot", vmId, withMemory: input.withMemory ?? false } as const
  const schedule = yield* scheduleRecord(input, target, actor.userId, yield* now)
  const operation = {
    ...createSnapshotScheduleOperation,
    task: () => ({ targetId: schedule.id, params: { ...input } }),
  }
  const { task, value } = yield* runVmOperation(operation, actor, vmId, schedule)
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

type ScheduleDelete = VmRecordContext & { readonly schedule: Schedule }

/** P3: delete a snapshot schedule; the snapshots it made stay (no longer counted against any retention). */
export const deleteSnapshotScheduleOperation: VmOperation<
  "record",
  string,
  ScheduleDelete,
  void,
  RecordWork<ScheduleDelete, void, void>
> = {
  operation: "snapshot.delete-schedule",
  reads: "record",
  context: (base, scheduleId) =>
    Effect.map(scheduleOfVm(base.vm.id, scheduleId), (schedule) => ({ ...base, schedule })),
  rules: snapshotRules["delete-schedule"],
  task: ({ schedule }) => ({ targetId: schedule.id, params: { scheduleId: schedule.id, period: schedule.period } }),
  work: { kind: "record", write: ({ schedule }) => Store.use((store) => store.schedules.remove(schedule.id)) },
}

/** P3: returns the finished task. */
export const deleteSnapshotSchedule = (actor: Actor, vmId: string, scheduleId: string) =>
  Effect.map(runVmOperation(deleteSnapshotScheduleOperation, actor, vmId, scheduleId), ({ task }) => task)

/** P2: a VM's snapshot schedules; `dueAt` (core/scheduler) tells when each runs next. */
export const listSnapshotSchedules = Effect.fn("operations.listSnapshotSchedules")(function* (
  actor: Actor,
  vmId: string,
) {
  const store = yield* Store
  yield* loadVisibleVm(actor, vmId)
  return yield* store.schedules.list({ kind: "vm-snapshot", vmId })
})

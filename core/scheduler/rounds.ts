import { Effect } from "effect"
import { HostConfig } from "../config.ts"
import type { Disk, Schedule, Vm } from "../model/index.ts"
import { Store } from "../store/ports.ts"
import { dueAt } from "./cron.ts"
import { runDetached, runSchedule, type ScheduleRun } from "./run.ts"

/** A schedule this agent runs, with what it acts on: the VM (or, for a detached disk, the disk alone). */
export interface HostSchedule {
  readonly schedule: Schedule
  readonly vm: Vm | null
  readonly disk: Disk | null
}

/**
 * The enabled schedules of this host: of its VMs outside the recycle bin, and of its disks (a VM in the recycle
 * bin keeps its schedules but they wait: restored, the VM's missed slot runs once). Snapshots and backups need
 * this host's driver, so in a cluster each agent runs its own host's schedules.
 */
export const hostSchedules = Effect.fn("scheduler.hostSchedules")(function* () {
  const store = yield* Store
  const config = yield* HostConfig
  const vms = new Map((yield* store.vms.list({ hostId: config.hostId })).map((vm) => [vm.id, vm] as const))
  const disks = new Map((yield* store.disks.list({ hostId: config.hostId })).map((disk) => [disk.id, disk] as const))
  const found: Array<HostSchedule> = []
  for (const schedule of yield* store.schedules.list()) {
    if (!schedule.enabled) continue
    const target = schedule.target
    if (target.kind === "vm-snapshot") {
      const vm = vms.get(target.vmId)
      if (vm) found.push({ schedule, vm, disk: null })
      continue
    }
    const disk = disks.get(target.diskId)
    if (disk === undefined) continue
    if (disk.vmId === null) found.push({ schedule, vm: null, disk })
    else {
      const vm = vms.get(disk.vmId)
      if (vm) found.push({ schedule, vm, disk })
    }
  }
  return found
})

const isDue = (schedule: Schedule, at: Date) => {
  const due = dueAt(schedule)
  return due !== undefined && due.getTime() <= at.getTime()
}

/** One VM's operations run one at a time (its lock would refuse a second); different VMs run side by side. */
const byVm = (entries: ReadonlyArray<HostSchedule>) => {
  const groups = new Map<string, Array<HostSchedule>>()
  for (const entry of entries) {
    const key = entry.vm?.id ?? `disk:${entry.disk?.id}`
    groups.set(key, [...(groups.get(key) ?? []), entry])
  }
  return [...groups.values()]
}

const runOne = (entry: HostSchedule, at: Date) =>
  Effect.gen(function* () {
    if (entry.vm !== null) return yield* runSchedule(entry.schedule, entry.vm, at)
    if (entry.disk !== null) return yield* runDetached(entry.schedule, entry.disk, at)
    return undefined
  })

/**
 * Run every schedule of this host that is due at `at`, once each, however many of its slots passed. One failed run
 * is a failed task and never stops the others; anything else that goes wrong is logged.
 */
export const runDueSchedules = Effect.fn("scheduler.runDueSchedules")(function* (at: Date) {
  const due = (yield* hostSchedules()).filter((entry) => isDue(entry.schedule, at))
  const runs = yield* Effect.forEach(
    byVm(due),
    (group) =>
      Effect.forEach(group, (entry) =>
        runOne(entry, at).pipe(
          Effect.catchCause((cause) =>
            Effect.as(Effect.logError(`schedule ${entry.schedule.id} could not run`, cause), undefined),
          ),
        ),
      ),
    { concurrency: 4 },
  )
  return runs.flat().filter((run): run is ScheduleRun => run !== undefined)
})

/** When the next of this host's schedules is due; undefined when none is. */
export const nextDue = Effect.fn("scheduler.nextDue")(function* () {
  let next: Date | undefined
  for (const { schedule } of yield* hostSchedules()) {
    const due = dueAt(schedule)
    if (due !== undefined && (next === undefined || due < next)) next = due
  }
  return next
})

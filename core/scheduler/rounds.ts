import { Effect } from "effect"
import { hostNow } from "../cluster/membership.ts"
import { Peers } from "../cluster/peers.ts"
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
 * The enabled schedules the scheduler runs: of VMs outside the recycle bin, and of disks (a VM in the recycle bin
 * keeps its schedules but they wait: restored, the VM's missed slot runs once). One agent alone runs its host's;
 * in a cluster the leader runs every host's (#16), each run on the VM's host (runOne).
 */
export const hostSchedules = Effect.fn("scheduler.hostSchedules")(function* () {
  const store = yield* Store
  const config = yield* HostConfig
  const ofHost = (yield* Peers) === undefined ? { hostId: config.hostId } : {}
  const schedules = (yield* store.schedules.list()).filter((s) => s.enabled)
  const vmIds = schedules.flatMap((s) => (s.target.kind === "vm-snapshot" ? [s.target.vmId] : []))
  const diskIds = new Set(schedules.flatMap((s) => (s.target.kind === "disk-backup" ? [s.target.diskId] : [])))
  const disks = new Map(
    (yield* store.disks.list(ofHost)).filter((d) => diskIds.has(d.id)).map((disk) => [disk.id, disk] as const),
  )
  for (const disk of disks.values()) if (disk.vmId !== null) vmIds.push(disk.vmId)
  const vms = new Map(
    (vmIds.length === 0 ? [] : yield* store.vms.list({ ids: [...new Set(vmIds)], ...ofHost })).map(
      (vm) => [vm.id, vm] as const,
    ),
  )
  const found: Array<HostSchedule> = []
  for (const schedule of schedules) {
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

/**
 * #16: a VM of another host is snapshotted or backed up by its host's agent (the run, its retention and lastRunAt
 * happen there, and this call waits for them); a host that reads down has no agent, so its run happens here and is
 * recorded as refused (vm-on-another-host) for its owner to see.
 */
const runOnVmHost = (entry: HostSchedule & { readonly vm: Vm }, at: Date) =>
  Effect.gen(function* () {
    const peers = yield* Peers
    const { hostId } = yield* HostConfig
    const vmHost = entry.vm.hostId
    if (peers === undefined || vmHost === null || vmHost === hostId)
      return yield* runSchedule(entry.schedule, entry.vm, at)
    const store = yield* Store
    const host = yield* hostNow(yield* store.hosts.get(vmHost))
    if (host.state === "down") return yield* runSchedule(entry.schedule, entry.vm, at)
    const ran = yield* peers.runSchedule(host, entry.schedule.id, at)
    const run: ScheduleRun = {
      scheduleId: entry.schedule.id,
      task: yield* store.tasks.get(ran.taskId),
      pruned: yield* Effect.forEach(ran.pruned, (id) => store.tasks.get(id)),
    }
    return run
  })

const runOne = (entry: HostSchedule, at: Date) =>
  Effect.gen(function* () {
    if (entry.vm !== null) return yield* runOnVmHost({ ...entry, vm: entry.vm }, at)
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

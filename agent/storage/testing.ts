/** Test support for the snapshot, backup and schedule routes: VMs the fake driver knows, and what a request changed. */
import assert from "node:assert/strict"
import { Effect } from "effect"
import { type Disk, runSchedule, Store, type Task, type Vm } from "../../core/index.ts"
import type { AgentHarness, CallOptions, Who } from "../testing/harness.ts"

/** Send a request that starts work, expect 202, and wait for its task to finish. */
export const accepted = async (
  agent: AgentHarness,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Task> => {
  const reply = await agent.call(method, path, options)
  assert.equal(reply.status, 202, `${method} ${path}: ${JSON.stringify(reply.body)}`)
  return agent.settle(reply.body.task.id)
}

/** A VM started (and so defined on the fake hypervisor), with its system disk. */
export const runningVm = async (agent: AgentHarness, overrides: Partial<Vm> = {}, as: Who = "owner") => {
  const vm = await agent.seedVm(overrides)
  const task = await accepted(agent, "POST", `/api/v1/vms/${vm.id}/start`, { as })
  assert.equal(task.state, "succeeded")
  const [disk] = await agent.run(Store.use((s) => s.disks.list({ vmId: vm.id })))
  assert.ok(disk)
  return { vm, disk: disk as Disk }
}

/** A VM of the sales department, owned by its plain user. */
export const salesVm = (agent: AgentHarness) =>
  runningVm(
    agent,
    {
      ownerId: agent.users.salesUser.id,
      departmentId: agent.users.salesUser.departmentId,
      createdBy: agent.users.salesUser.id,
    },
    "salesUser",
  )

export const stop = async (agent: AgentHarness, vmId: string) =>
  assert.equal((await accepted(agent, "POST", `/api/v1/vms/${vmId}/stop`)).state, "succeeded")

/** Every record a refused request must leave as it was: the VM's snapshots, backups, schedules, disks, tasks. */
export const recordsOf = (agent: AgentHarness, vmId: string) =>
  agent.run(
    Store.use((s) =>
      Effect.gen(function* () {
        const disks = yield* s.disks.list()
        const mine = disks.filter((disk) => disk.vmId === vmId).map((disk) => disk.id)
        const schedules = (yield* s.schedules.list()).filter((schedule) =>
          schedule.target.kind === "vm-snapshot"
            ? schedule.target.vmId === vmId
            : mine.includes(schedule.target.diskId),
        )
        return {
          snapshots: JSON.stringify(yield* s.snapshots.list({ vmId })),
          backups: JSON.stringify(yield* s.backups.list({ vmId })),
          schedules: JSON.stringify(schedules),
          disks: disks.length,
          tasks: (yield* s.tasks.list({ vmId })).length,
        }
      }),
    ),
  )

/** One run of a schedule at `at`, as the agent's scheduler makes it; returns the run's task. */
export const runScheduleAt = async (agent: AgentHarness, scheduleId: string, vmId: string, at: Date) => {
  const run = await agent.run(
    Store.use((s) =>
      Effect.gen(function* () {
        const schedule = yield* s.schedules.get(scheduleId)
        return yield* runSchedule(schedule, yield* s.vms.get(vmId), at)
      }),
    ),
  )
  assert.ok(run, "the schedule ran")
  return run.task
}

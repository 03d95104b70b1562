import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { storeBackend } from "../../core/store/testing.ts"
import { runningVm, salesVm } from "../storage/testing.ts"
import { type Client, connect, eventsOf, useServedAgent } from "../ws/testing.ts"

const backend = storeBackend

describe("snapshot and backup tasks on WS /api/v1/events", () => {
  const served = useServedAgent(backend)
  const { agent } = served
  const follow = (token: string) =>
    connect(`${served.wsBase()}/api/v1/events`, { protocols: ["hyperx.v1", `hyperx.bearer.${token}`] })
  const taskEvents = (client: Client, vmId: string) =>
    eventsOf(client).filter((e) => e._tag === "task" && e.task.vmId === vmId)
  const succeeded = (client: Client, vmId: string, taskId: string) => () =>
    taskEvents(client, vmId).some((e) => e.task.id === taskId && e.task.state === "succeeded")

  it("G4 P1 V4 the owner sees the VM's snapshot.create task run and succeed; another department sees none of it", async () => {
    const { vm } = await runningVm(agent)
    const theirs = await salesVm(agent)
    const owner = await follow(agent.tokens.owner)
    const outsider = await follow(agent.tokens.outsider)

    const reply = await agent.call("POST", `/api/v1/vms/${vm.id}/snapshots`, { body: { name: "live" } })
    assert.equal(reply.status, 202)
    const task = reply.body.task
    await owner.until("the snapshot task to succeed", succeeded(owner, vm.id, task.id))
    const mine = taskEvents(owner, vm.id).filter((e) => e.task.id === task.id)
    assert.deepEqual(
      mine.map((e) => [e.task.operation, e.task.vmId, e.task.targetId]),
      mine.map(() => ["snapshot.create", vm.id, task.targetId]),
    )
    assert.equal(mine[0]?.task.state, "running")
    assert.equal(mine.at(-1)?.task.result.snapshotId, task.targetId)

    // Each subscriber gets events in publishing order: once the sales backup's end arrived, an ops event would have.
    const backup = await agent.call("POST", `/api/v1/vms/${theirs.vm.id}/disks/${theirs.disk.id}/backups`, {
      as: "salesUser",
    })
    assert.equal(backup.status, 202)
    await outsider.until("the sales backup to succeed", succeeded(outsider, theirs.vm.id, backup.body.task.id))
    const backupEvents = taskEvents(outsider, theirs.vm.id).filter((e) => e.task.id === backup.body.task.id)
    assert.equal(backupEvents.at(-1)?.task.operation, "disk.backup")
    assert.deepEqual(taskEvents(outsider, vm.id), [], "another department never sees the VM's tasks")
    owner.close()
    outsider.close()
  })
})

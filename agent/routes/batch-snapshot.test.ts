import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { storeBackends } from "../../core/store/testing.ts"
import { accepted, recordsOf, runningVm, salesVm, stop } from "../storage/testing.ts"
import { useAgent } from "../testing/harness.ts"

interface Outcome {
  readonly vmId: string
  readonly status: string
  readonly taskId?: string
  readonly rule?: string
  readonly message?: string
}

for (const backend of storeBackends) {
  describe(`batch snapshot on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)

    it("L7 P1 one VM with a backup is refused with no-backups, a stopped one with memory-snapshot-running-only; the others are snapshotted", async () => {
      const first = await runningVm(agent)
      const second = await runningVm(agent)
      const backedUp = await runningVm(agent)
      const stopped = await runningVm(agent)
      await stop(agent, stopped.vm.id)
      const theirs = await salesVm(agent)
      await accepted(agent, "POST", `/api/v1/vms/${backedUp.vm.id}/disks/${backedUp.disk.id}/backups`)
      const untouched = await recordsOf(agent, backedUp.vm.id)
      const vmIds = [first.vm.id, backedUp.vm.id, second.vm.id, stopped.vm.id, theirs.vm.id]
      const reply = await agent.call("POST", "/api/v1/batch", {
        body: { action: "snapshot", vmIds, withMemory: true, name: "before-patch" },
      })
      assert.equal(reply.status, 202, JSON.stringify(reply.body))
      assert.equal(reply.body.task.operation, "vm.batch")
      const outcomes: Array<Outcome> = reply.body.outcomes
      assert.deepEqual(
        outcomes.map((o) => [o.vmId, o.rule ?? o.status]),
        [
          [first.vm.id, "accepted"],
          [backedUp.vm.id, "no-backups"],
          [second.vm.id, "accepted"],
          [stopped.vm.id, "memory-snapshot-running-only"],
          [theirs.vm.id, "not-found"],
        ],
      )
      assert.match(outcomes[1]?.message ?? "", /backup/)
      for (const vm of [first.vm, second.vm]) {
        const taskId = outcomes.find((o) => o.vmId === vm.id)?.taskId ?? ""
        const task = await agent.settle(taskId)
        assert.deepEqual(
          [task.operation, task.state, task.parentId],
          ["snapshot.create", "succeeded", reply.body.task.id],
        )
        const listed = await agent.call("GET", `/api/v1/vms/${vm.id}/snapshots`)
        assert.deepEqual(
          listed.body.items.map((s: { id: string; name: string; withMemory: boolean }) => [s.id, s.name, s.withMemory]),
          [[task.targetId, "before-patch", true]],
        )
      }
      assert.deepEqual(await recordsOf(agent, backedUp.vm.id), untouched)
      const children = await agent.call("GET", `/api/v1/tasks?parentId=${reply.body.task.id}`)
      assert.equal(children.body.items.length, 2)
    })

    it("L7 a batch snapshot's options are checked: a huge name or a mistyped withMemory is 400", async () => {
      const { vm } = await runningVm(agent)
      const before = await recordsOf(agent, vm.id)
      for (const extra of [{ name: "n".repeat(65) }, { withMemory: "yes" }, { name: 5 }]) {
        const reply = await agent.call("POST", "/api/v1/batch", {
          body: { action: "snapshot", vmIds: [vm.id], ...extra },
        })
        assert.equal(reply.status, 400, JSON.stringify(extra))
      }
      const blank = await agent.call("POST", "/api/v1/batch", {
        body: { action: "snapshot", vmIds: [vm.id], name: " " },
      })
      assert.equal(blank.status, 400)
      assert.deepEqual(await recordsOf(agent, vm.id), before)
    })
  })
}

import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import { InvalidInput, RuleViolation } from "../errors.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { backupDisk } from "./backups/backup.ts"
import { runBatch } from "./batch.ts"
import { power } from "./power.ts"
import { listSnapshots } from "./snapshots/list.ts"
import { seedVm } from "./testing/world.ts"

for (const backend of storeBackends) {
  describe(`batch operations on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)

    it("L7 batch start: VMs in a wrong state are reported with the rule, the others start", async () => {
      const stopped1 = await core.run(seedVm(core.world))
      const stopped2 = await core.run(seedVm(core.world))
      const running = await core.run(seedVm(core.world))
      await core.complete(power(core.world.actors.owner, running.id, "start"))
      const { task, outcomes } = await core.run(
        runBatch(core.world.actors.owner, { action: "start", vmIds: [stopped1.id, running.id, stopped2.id, "nope"] }),
      )
      assert.equal(task.operation, "vm.batch")
      assert.equal(task.state, "succeeded")
      const byVm = new Map(outcomes.map((o) => [o.vmId, o]))
      assert.equal(byVm.get(stopped1.id)?.status, "accepted")
      assert.equal(byVm.get(stopped2.id)?.status, "accepted")
      const refused = byVm.get(running.id)
      assert.equal(refused?.status, "refused")
      assert.equal(refused?.status === "refused" ? refused.rule : "", "lifecycle-state")
      assert.equal(byVm.get("nope")?.status, "not-found")
      // The accepted ones run as child tasks of the batch.
      for (const outcome of outcomes) {
        if (outcome.status !== "accepted") continue
        const child = await core.run(Store.use((s) => s.tasks.get(outcome.taskId)))
        assert.equal(child.parentId, task.id)
      }
      const children = await core.run(Store.use((s) => s.tasks.list({ parentId: task.id })))
      assert.equal(children.length, 2)
    })

    it("L7 batch stop with force, and delete into the recycle bin", async () => {
      const a = await core.run(seedVm(core.world))
      const b = await core.run(seedVm(core.world, { deletionProtected: true }))
      await core.complete(power(core.world.actors.owner, a.id, "start"))
      const stop = await core.run(runBatch(core.world.actors.owner, { action: "stop", vmIds: [a.id], force: true }))
      const stopTask = stop.outcomes[0]
      assert.equal(stopTask?.status, "accepted")
      if (stopTask?.status === "accepted") await core.run(Store.use((s) => s.tasks.get(stopTask.taskId)))
      const deleted = await core.run(runBatch(core.world.actors.owner, { action: "delete", vmIds: [b.id] }))
      assert.equal(deleted.outcomes[0]?.status, "refused")
      assert.equal(deleted.outcomes[0]?.status === "refused" ? deleted.outcomes[0].rule : "", "deletion-protected")
    })

    it("L7 P1 batch snapshot: a VM whose disk has a backup is refused with no-backups, the others are snapshotted", async () => {
      const owner = core.world.actors.owner
      const [a, b, backedUp] = [
        await core.run(seedVm(core.world)),
        await core.run(seedVm(core.world)),
        await core.run(seedVm(core.world)),
      ]
      for (const vm of [a, b, backedUp]) await core.complete(power(owner, vm.id, "start"))
      const [disk] = await core.run(Store.use((s) => s.disks.list({ vmId: backedUp.id })))
      await core.complete(backupDisk(owner, backedUp.id, disk?.id ?? ""))
      const { task, outcomes } = await core.run(
        runBatch(owner, { action: "snapshot", vmIds: [a.id, backedUp.id, b.id], name: "nightly", withMemory: true }),
      )
      assert.equal(task.state, "succeeded")
      const refused = outcomes[1]
      assert.deepEqual(refused?.status === "refused" ? [refused.vmId, refused.rule] : refused, [
        backedUp.id,
        "no-backups",
      ])
      for (const [vm, outcome] of [
        [a, outcomes[0]],
        [b, outcomes[2]],
      ] as const) {
        assert.equal(outcome?.status, "accepted")
        const taskId = outcome?.status === "accepted" ? outcome.taskId : ""
        const child = await core.run(Store.use((s) => s.tasks.get(taskId)))
        assert.deepEqual([child.operation, child.parentId, child.vmId], ["snapshot.create", task.id, vm.id])
        const snapshot = await core.eventually(async () => {
          const [made] = await core.run(listSnapshots(owner, vm.id))
          return made?.state === "ready" ? made : undefined
        })
        assert.deepEqual([snapshot.name, snapshot.withMemory], ["nightly", true])
      }
      assert.deepEqual(await core.run(listSnapshots(owner, backedUp.id)), [])
    })

    it("L7 P1 a blank snapshot name refuses the whole batch before anything is recorded", async () => {
      const vm = await core.run(seedVm(core.world))
      const before = (await core.run(Store.use((s) => s.tasks.list()))).length
      const error = await core.run(
        Effect.flip(runBatch(core.world.actors.owner, { action: "snapshot", vmIds: [vm.id], name: " " })),
      )
      assert.ok(error instanceof InvalidInput, String(error))
      assert.equal((await core.run(Store.use((s) => s.tasks.list()))).length, before)
    })

    it("L7 batch-action and batch-selection refuse the whole batch", async () => {
      const vm = await core.run(seedVm(core.world))
      const bad = await core.run(Effect.flip(runBatch(core.world.actors.owner, { action: "migrate", vmIds: [vm.id] })))
      assert.ok(bad instanceof RuleViolation)
      assert.equal(bad.rule, "batch-action")
      const empty = await core.run(Effect.flip(runBatch(core.world.actors.owner, { action: "start", vmIds: [] })))
      assert.ok(empty instanceof RuleViolation)
      assert.equal(empty.rule, "batch-selection")
    })
  })
}

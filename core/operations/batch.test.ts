import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { RuleViolation } from "../errors.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { runBatch } from "./batch.ts"
import { power } from "./power.ts"
import { useCore } from "./testing/harness.ts"
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

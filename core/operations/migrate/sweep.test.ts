import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../../test-support/core.ts"
import type { Task } from "../../model/index.ts"
import { sampleHost } from "../../rules/testing-records.ts"
import { Store } from "../../store/ports.ts"
import { sampleRows } from "../../store/testing/sample-rows.ts"
import { storeBackends } from "../../store/testing.ts"
import { seedVm } from "../testing/world.ts"
import { movedPath } from "./incoming.ts"
import { sweepIncoming } from "./sweep.ts"

/**
 * R9, #17: this core's host is the target of migrations from host-src; the sweep removes the disk files made for a
 * move nobody will finish (failed, or open with its source down), keeps those of a move its source may still finish
 * and any file the records name, and sweeps each task once.
 */
for (const backend of storeBackends) {
  describe(`R9 the target's sweep of abandoned incoming migrations on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)

    /** A VM on host-src (in `state`) migrating here under a task in `taskState`, with its moved disk file made. */
    const incoming = async (sourceState: "up" | "down", taskState: Task["state"]) => {
      const sourceId = `host-src-${sourceState}`
      const setup = Effect.gen(function* () {
        const store = yield* Store
        yield* store.hosts.get(sourceId).pipe(
          Effect.catchTag("NotFound", () =>
            store.hosts.insert(
              sampleHost({
                id: sourceId,
                name: sourceId,
                driver: core.fake.driver.name,
                state: sourceState,
                heartbeatAt: sourceState === "up" ? new Date() : null,
              }),
            ),
          ),
        )
        const vm = yield* seedVm(core.world, { hostId: sourceId, state: "migrating" })
        const task = yield* store.tasks.insert(
          sampleRows.task({
            vmId: vm.id,
            operation: "vm.migrate",
            state: taskState,
            targetId: core.world.host.id,
            params: { from: sourceId, to: core.world.host.id, mode: "converge" },
          }),
        )
        const [disk] = yield* store.disks.list({ vmId: vm.id })
        const copy = movedPath(core.host.storageDir, disk?.id ?? "", task.id)
        yield* core.fake.driver.volumes.create({ path: copy, format: "qcow2", sizeGiB: 1 })
        return { vm, task, copy }
      })
      return core.run(setup)
    }
    const exists = async (path: string) =>
      (await Effect.runPromise(core.fake.simulate.volumes())).some((volume) => volume.path === path)

    it("R9 removes the copies of a failed move and of an open one whose source reads down; keeps a live one's", async () => {
      const failed = await incoming("up", "failed")
      const orphaned = await incoming("down", "running")
      const live = await incoming("up", "running")
      const done = new Set<string>()
      const swept = await core.run(sweepIncoming(done))
      assert.deepEqual([...swept].sort(), [failed.task.id, orphaned.task.id].sort())
      assert.equal(await exists(failed.copy), false, "the failed move's copy is left")
      assert.equal(await exists(orphaned.copy), false, "the copy of a move whose source is down is left")
      assert.equal(await exists(live.copy), true, "a move its source may still finish lost its copy")
      // Once swept, a task is not looked at again.
      assert.deepEqual(await core.run(sweepIncoming(done)), [])
    })

    it("R9 never removes a file the records name", async () => {
      const failed = await incoming("up", "failed")
      const [disk] = await core.run(Store.use((s) => s.disks.list({ vmId: failed.vm.id })))
      await core.run(Store.use((s) => s.disks.update(disk?.id ?? "", { path: failed.copy })))
      await core.run(sweepIncoming(new Set()))
      assert.equal(await exists(failed.copy), true)
    })
  })
}

import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Deferred, Effect } from "effect"
import { StoreError } from "../../errors.ts"
import { Store } from "../../store/ports.ts"
import { storeBackends } from "../../store/testing.ts"
import { useCore } from "../testing/harness.ts"
import { seedVm } from "../testing/world.ts"
import { scopeOf } from "../vm-state.ts"
import { forkTask } from "./vm-task.ts"

for (const backend of storeBackends) {
  describe(`a task whose work prepares while it is recorded, on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)
    const start = async () => {
      const vm = await core.run(seedVm(core.world))
      return { operation: "snapshot.create", actor: core.world.actors.owner, scope: scopeOf(vm), vmId: vm.id } as const
    }

    it("G4 the work prepares while the records are written, and changes things only once they are", async () => {
      const taskStart = await start()
      const steps: Array<string> = []
      const handle = await core.run(
        Effect.gen(function* () {
          const prepared = yield* Deferred.make<void>()
          return yield* forkTask({
            start: taskStart,
            // The record waits for the work's preparation: were they not concurrent, this would never finish.
            record: Deferred.await(prepared).pipe(
              Effect.tap(() => Effect.sync(() => steps.push("recorded"))),
              Effect.as(42),
            ),
            work: (recorded) =>
              Effect.gen(function* () {
                steps.push("prepared")
                yield* Deferred.succeed(prepared, undefined)
                const value = yield* recorded
                steps.push(`changed with ${value}`)
                return { value }
              }),
          })
        }),
      )
      const done = await core.run(handle.done)
      assert.deepEqual(steps, ["prepared", "recorded", "changed with 42"])
      assert.equal(done.state, "succeeded")
      assert.deepEqual(done.result, { value: 42 })
    })

    it("G4 when recording fails the work undoes its preparation, changes nothing, and no task is left", async () => {
      const taskStart = await start()
      const steps: Array<string> = []
      const failure = await core.run(
        Effect.flip(
          forkTask({
            start: taskStart,
            record: Effect.fail(new StoreError({ operation: "test", message: "the disk is full", retryable: false })),
            work: (recorded) =>
              Effect.acquireUseRelease(
                Effect.sync(() => steps.push("frozen")),
                () =>
                  Effect.andThen(
                    recorded,
                    Effect.sync(() => steps.push("changed")),
                  ),
                () => Effect.sync(() => steps.push("thawed")),
              ),
          }),
        ),
      )
      assert.equal(failure._tag, "StoreError")
      assert.deepEqual(steps, ["frozen", "thawed"], "undone before forkTask returned, and nothing changed")
      const tasks = await core.run(Store.use((store) => store.tasks.list({ vmId: taskStart.vmId })))
      assert.deepEqual(tasks, [])
    })
  })
}

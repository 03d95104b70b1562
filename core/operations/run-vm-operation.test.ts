import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Deferred, Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import { StoreError } from "../errors.ts"
import type { VmRecordContext } from "../rules/context.ts"
import { Store } from "../store/ports.ts"
import { sampleRows, storeBackends } from "../store/testing.ts"
import { runVmOperation } from "./run-vm-operation.ts"
import { seedVm } from "./testing/world.ts"
import type { BackgroundWork, VmOperation } from "./vm-operation.ts"

/** A background operation with no rules, whose record and work the test writes. */
const overlapping = <R>(
  work: Omit<BackgroundWork<VmRecordContext, void, R>, "kind" | "overlap">,
): VmOperation<"record", void, VmRecordContext, void, BackgroundWork<VmRecordContext, void, R>> => ({
  operation: "snapshot.create",
  reads: "record",
  context: (base) => Effect.succeed(base),
  rules: [],
  task: () => ({}),
  work: { kind: "background", overlap: true, ...work },
})

for (const backend of storeBackends) {
  describe(`the runner's work that prepares while it is recorded, on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)

    it("G4 the work prepares while the records are written, and changes things only once they are", async () => {
      const vm = await core.run(seedVm(core.world))
      const steps: Array<string> = []
      const handle = await core.run(
        Effect.gen(function* () {
          const prepared = yield* Deferred.make<void>()
          const op = overlapping({
            // The record waits for the work's preparation: were they not concurrent, this would never finish.
            record: () =>
              Deferred.await(prepared).pipe(
                Effect.tap(() => Effect.sync(() => steps.push("recorded"))),
                Effect.as(42),
              ),
            run: (_context, _prepared, recorded) =>
              Effect.gen(function* () {
                steps.push("prepared")
                yield* Deferred.succeed(prepared, undefined)
                const value = yield* recorded
                steps.push(`changed with ${value}`)
                return { value }
              }),
          })
          return yield* runVmOperation(op, core.world.actors.owner, vm.id, undefined)
        }),
      )
      const done = await core.run(handle.done)
      assert.deepEqual(steps, ["prepared", "recorded", "changed with 42"])
      assert.equal(done.state, "succeeded")
      assert.deepEqual(done.result, { value: 42 })
      assert.equal(await core.run(Store.use((s) => s.vmLocks.holder(vm.id))), undefined, "the lock is free")
    })

    it("G4 a task's outcome frees the VM's lock in the same statement, only the holder's, and not without it", async () => {
      const vm = await core.run(seedVm(core.world))
      const result = await core.run(
        Effect.gen(function* () {
          const store = yield* Store
          const task = yield* store.tasks.insert({
            ...sampleRows.task({ vmId: vm.id, state: "running" }),
          })
          yield* store.vmLocks.claim(vm.id, "agent-a", "vm.rename", new Date())
          const done = { state: "succeeded" as const, progress: 100, finishedAt: new Date() }
          yield* store.tasks.finish(task.id, { progress: 50 })
          const withoutLock = yield* store.vmLocks.holder(vm.id)
          yield* store.tasks.finish(task.id, { progress: 60 }, { vmId: vm.id, holder: "agent-b" })
          const otherHolder = yield* store.vmLocks.holder(vm.id)
          const finished = yield* store.tasks.finish(task.id, done, { vmId: vm.id, holder: "agent-a" })
          return { withoutLock, otherHolder, finished, after: yield* store.vmLocks.holder(vm.id) }
        }),
      )
      assert.equal(result.withoutLock, "agent-a")
      assert.equal(result.otherHolder, "agent-a", "another holder's finish leaves the lock alone")
      assert.equal(result.finished.state, "succeeded")
      assert.equal(result.finished.progress, 100)
      assert.equal(result.after, undefined, "freed with the outcome")
    })

    it("G4 when recording fails the work undoes its preparation, changes nothing, and no task is left", async () => {
      const vm = await core.run(seedVm(core.world))
      const steps: Array<string> = []
      const op = overlapping<void>({
        record: () => Effect.fail(new StoreError({ operation: "test", message: "the disk is full", retryable: false })),
        run: (_context, _prepared, recorded) =>
          Effect.acquireUseRelease(
            Effect.sync(() => steps.push("frozen")),
            () =>
              Effect.andThen(
                recorded,
                Effect.sync(() => steps.push("changed")),
              ),
            () => Effect.sync(() => steps.push("thawed")),
          ),
      })
      const failure = await core.run(Effect.flip(runVmOperation(op, core.world.actors.owner, vm.id, undefined)))
      assert.equal(failure._tag, "StoreError")
      assert.deepEqual(steps, ["frozen", "thawed"], "undone before the runner returned, and nothing changed")
      const tasks = await core.run(Store.use((store) => store.tasks.list({ vmId: vm.id })))
      assert.deepEqual(tasks, [])
      assert.equal(await core.run(Store.use((s) => s.vmLocks.holder(vm.id))), undefined, "the lock is free")
    })
  })
}

for (const backend of storeBackends) {
  describe(`the runner starting an operation that moves its VM, on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)

    it("G4 H1 a task that cannot be recorded leaves its VM where it was, unannounced, and runs no work", async () => {
      const vm = await core.run(seedVm(core.world))
      let ran = false
      // PostgreSQL refuses \u0000 in jsonb: the task's insert fails at the database, after the VM's move was sent
      const op: VmOperation<"record", void, VmRecordContext, void, BackgroundWork<VmRecordContext, void, unknown>> = {
        operation: "vm.start",
        reads: "record",
        context: (base) => Effect.succeed(base),
        rules: [],
        lifecycle: "start",
        task: () => ({ params: { note: "\u0000" } }),
        work: { kind: "background", run: () => Effect.sync(() => (ran = true)) },
      }
      const recorder = await core.record()
      const failure = await core.run(Effect.flip(runVmOperation(op, core.world.actors.owner, vm.id, undefined)))
      recorder.stop()
      assert.equal(failure._tag, "StoreError")
      const after = await core.run(Store.use((s) => s.vms.get(vm.id)))
      assert.deepEqual([after.state, after.version], [vm.state, vm.version], "the VM never moved")
      assert.deepEqual(
        recorder.events.filter((e) => e._tag === "vm-state" && e.vmId === vm.id),
        [],
        "no move was announced (not even one undone)",
      )
      assert.deepEqual(await core.run(Store.use((s) => s.tasks.list({ vmId: vm.id }))), [])
      assert.equal(await core.run(Store.use((s) => s.vmLocks.holder(vm.id))), undefined, "the lock is free")
      assert.equal(ran, false)
    })
  })
}

import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { Store } from "./ports.ts"
import { insertWorld, sampleBundle, sampleRows, sampleWorld, storeBackends, useStore } from "./testing.ts"

for (const backend of storeBackends) {
  describe(`an operation's own rows in its lock's and task's statements on ${backend.name} (#12)`, {
    skip: backend.skip,
  }, () => {
    const run = useStore(backend)
    const withVm = Effect.gen(function* () {
      const store = yield* Store
      const world = yield* insertWorld(sampleWorld())
      const bundle = sampleBundle(world, { vm: { hostId: world.host.id } })
      yield* store.vms.insertBundles([bundle])
      return bundle
    })

    it("G4 the claim reads the snapshot or disk asked for exactly as a read does, and none when it does not exist", () =>
      run(
        Effect.gen(function* () {
          const store = yield* Store
          const bundle = yield* withVm
          const snapshot = yield* store.snapshots.insert(sampleRows.snapshot({ vmId: bundle.vm.id, state: "ready" }))
          const [disk] = bundle.disks
          assert.ok(disk)
          const claimed = yield* store.vmLocks.claim(bundle.vm.id, "test:a", "snapshot.rollback", new Date(), {
            item: { kind: "snapshot", id: snapshot.id },
          })
          assert.equal(claimed.claimed, true)
          assert.deepEqual(claimed.vm, yield* store.vms.get(bundle.vm.id))
          assert.deepEqual(claimed.item, yield* store.snapshots.get(snapshot.id))
          yield* store.vmLocks.release(bundle.vm.id, "test:a")
          const withDisk = yield* store.vmLocks.claim(bundle.vm.id, "test:a", "disk.backup", new Date(), {
            facts: true,
            item: { kind: "disk", id: disk.id },
          })
          assert.deepEqual(withDisk.item, yield* store.disks.get(disk.id))
          assert.deepEqual(withDisk.facts, yield* store.vms.facts(bundle.vm.id))
          yield* store.vmLocks.release(bundle.vm.id, "test:a")
          const missing = yield* store.vmLocks.claim(bundle.vm.id, "test:a", "snapshot.delete", new Date(), {
            item: { kind: "snapshot", id: "no-such-snapshot" },
          })
          assert.equal(missing.claimed, true)
          assert.equal(missing.item, undefined)
        }),
      ))

    it("G4 a task and its own row are inserted both or neither; its outcome, the row's change and the lock's release likewise", () =>
      run(
        Effect.gen(function* () {
          const store = yield* Store
          const bundle = yield* withVm
          const snapshot = sampleRows.snapshot({ vmId: bundle.vm.id, state: "creating" })
          const task = sampleRows.task({ operation: "snapshot.create", vmId: bundle.vm.id, targetId: snapshot.id })
          assert.deepEqual(yield* store.tasks.insert(task, { kind: "snapshot", row: snapshot }), task)
          assert.deepEqual(yield* store.snapshots.get(snapshot.id), snapshot)

          // The same task again: its insert fails, and the other snapshot is not written either.
          const other = sampleRows.snapshot({ vmId: bundle.vm.id, state: "creating" })
          const refused = yield* Effect.flip(store.tasks.insert(task, { kind: "snapshot", row: other }))
          assert.equal(refused._tag, "StoreError")
          assert.equal((yield* Effect.flip(store.snapshots.get(other.id)))._tag, "NotFound")

          yield* store.vmLocks.claim(bundle.vm.id, "test:a", "snapshot.create", new Date())
          const outcome = { state: "succeeded" as const, progress: 100, finishedAt: new Date() }
          const finished = yield* store.tasks.finish(
            task.id,
            outcome,
            { vmId: bundle.vm.id, holder: "test:a" },
            { kind: "snapshot", id: snapshot.id, patch: { state: "ready", sizeBytes: 4096 } },
          )
          assert.deepEqual(finished, { ...task, ...outcome })
          assert.deepEqual(yield* store.snapshots.get(snapshot.id), { ...snapshot, state: "ready", sizeBytes: 4096 })
          assert.equal(yield* store.vmLocks.holder(bundle.vm.id), undefined)

          // Without a lock to free, the row's change still rides with the outcome.
          const backup = sampleRows.backup({ vmId: bundle.vm.id, diskId: bundle.disks[0]?.id ?? "", state: "creating" })
          const second = sampleRows.task({ operation: "disk.backup", vmId: bundle.vm.id })
          yield* store.tasks.insert(second, { kind: "backup", row: backup })
          yield* store.tasks.finish(second.id, outcome, undefined, {
            kind: "backup",
            id: backup.id,
            patch: { state: "ready" },
          })
          assert.equal((yield* store.backups.get(backup.id)).state, "ready")
        }),
      ))
  })
}

import assert from "node:assert/strict"
import { before, describe, it } from "node:test"
import { Effect } from "effect"
import type { Disk } from "../model/index.ts"
import { Store } from "./ports.ts"
import { insertWorld, sampleBundle, sampleRows, sampleWorld, storeBackends, useStore } from "./testing.ts"

for (const backend of storeBackends) {
  describe(`L3 L5 a VM's disk total follows its disks, on ${backend.name}`, { skip: backend.skip }, () => {
    const runStore = useStore(backend)
    const world = sampleWorld()
    const first = sampleBundle(world, { vm: { displayName: "disk_a" }, disk: { sizeGiB: 20 } })
    const second = sampleBundle(world, { vm: { displayName: "disk_b" }, disk: { sizeGiB: 40 } })
    const firstData = sampleRows.disk({
      role: "data",
      sizeGiB: 30,
      vmId: first.vm.id,
      departmentId: world.department.id,
      ownerId: world.user.id,
    })
    const loose = (sizeGiB: number, overrides: Partial<Disk> = {}) =>
      sampleRows.disk({
        role: "data",
        sizeGiB,
        departmentId: world.department.id,
        ownerId: world.user.id,
        ...overrides,
      })
    before(() =>
      runStore(
        Effect.gen(function* () {
          yield* insertWorld(world)
          yield* Store.use((s) => s.vms.insertBundles([{ ...first, disks: [...first.disks, firstData] }, second]))
        }),
      ),
    )

    /** The list's disk column and L5 total for the department, beside the sums of the disks table itself. */
    const totals = () =>
      runStore(
        Effect.gen(function* () {
          const store = yield* Store
          const page = yield* store.vms.query({ scope: { departmentId: world.department.id } })
          const disks = yield* store.disks.list({ departmentId: world.department.id })
          const listed = Object.fromEntries(page.rows.map((row) => [row.vm.displayName, row.diskGiB]))
          const summed = Object.fromEntries(
            page.rows.map((row) => [
              row.vm.displayName,
              disks.filter((disk) => disk.vmId === row.vm.id).reduce((sum, disk) => sum + disk.sizeGiB, 0),
            ]),
          )
          assert.deepEqual(listed, summed, "the list's disk column is the sum of each VM's disks")
          assert.equal(
            page.totals.diskGiB,
            disks.filter((disk) => disk.vmId !== null).reduce((sum, disk) => sum + disk.sizeGiB, 0),
            "the L5 total is the sum of the attached disks",
          )
          return listed
        }),
      )
    const disks = <A, E>(use: (repository: Store["Service"]["disks"]) => Effect.Effect<A, E>) =>
      runStore(Store.use((s) => use(s.disks)))

    it("a VM inserted with its disks lists their sum", async () => {
      assert.deepEqual(await totals(), { disk_a: 50, disk_b: 40 })
    })

    it("inserting an attached disk, attaching a loose one and detaching it move the total", async () => {
      await disks((d) => d.insert(loose(100, { vmId: first.vm.id })))
      assert.deepEqual(await totals(), { disk_a: 150, disk_b: 40 })
      const spare = await disks((d) => d.insert(loose(7)))
      assert.deepEqual(await totals(), { disk_a: 150, disk_b: 40 }, "a loose disk counts for no VM")
      await disks((d) => d.update(spare.id, { vmId: second.vm.id }))
      assert.deepEqual(await totals(), { disk_a: 150, disk_b: 47 })
      await disks((d) => d.update(spare.id, { vmId: null }))
      assert.deepEqual(await totals(), { disk_a: 150, disk_b: 40 })
    })

    it("resizing, moving to another VM, renaming and deleting a disk keep both totals right", async () => {
      await disks((d) => d.update(firstData.id, { sizeGiB: 64 }))
      assert.deepEqual(await totals(), { disk_a: 184, disk_b: 40 })
      await disks((d) => d.update(firstData.id, { vmId: second.vm.id, sizeGiB: 80 }))
      assert.deepEqual(await totals(), { disk_a: 120, disk_b: 120 })
      await disks((d) => d.update(firstData.id, { name: "renamed" }))
      assert.deepEqual(await totals(), { disk_a: 120, disk_b: 120 })
      await disks((d) => d.remove(firstData.id))
      assert.deepEqual(await totals(), { disk_a: 120, disk_b: 40 })
    })

    it("a disk restored from a backup into a new disk counts once it is attached", async () => {
      // What restoreBackup stores: a new, unattached copy of the source disk.
      const restored = await disks((d) => d.insert(loose(20, { name: "disk_b-restored" })))
      assert.deepEqual(await totals(), { disk_a: 120, disk_b: 40 })
      await disks((d) => d.update(restored.id, { vmId: second.vm.id }))
      assert.deepEqual(await totals(), { disk_a: 120, disk_b: 60 })
    })

    it("disks attached to one VM at the same moment all count", async () => {
      await runStore(
        Effect.forEach(
          Array.from({ length: 8 }, () => loose(1, { vmId: first.vm.id })),
          (disk) => Store.use((s) => s.disks.insert(disk)),
          { concurrency: "unbounded" },
        ),
      )
      assert.deepEqual(await totals(), { disk_a: 128, disk_b: 60 })
    })

    it("purging a VM leaves the other VM's total and the disks it kept", async () => {
      const systemDisk = first.disks[0]
      assert.ok(systemDisk)
      await runStore(Store.use((s) => s.vms.purge(first.vm.id, [systemDisk.id])))
      assert.deepEqual(await totals(), { disk_b: 60 })
      const kept = await disks((d) => d.list({ departmentId: world.department.id, vmId: null }))
      assert.ok(kept.length >= 9, "the purged VM's other disks are kept, detached")
    })

    it("an unknown disk is NotFound on update and changes nothing", async () => {
      const outcome = await runStore(Effect.flip(Store.use((s) => s.disks.update("no-such-disk", { sizeGiB: 1 }))))
      assert.equal(outcome._tag, "NotFound")
      assert.deepEqual(await totals(), { disk_b: 60 })
    })
  })
}

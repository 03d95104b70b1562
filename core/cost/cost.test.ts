import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import { at } from "../metrics/testing.ts"
import { seedVm } from "../operations/testing/world.ts"
import { Store } from "../store/ports.ts"
import { sampleRows, storeBackends } from "../store/testing.ts"
import { recordHoldings } from "./holdings.ts"
import { writeDailyCosts } from "./job.ts"
import { vmCosts } from "./view.ts"

for (const backend of storeBackends.filter((b) => b.name === "postgres")) {
  describe(`daily cost on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)

    it("M3 K1 a day's row is the price book applied to what the VM held, a resize at 18:00 pro rata; re-running replaces it", async () => {
      const { vm, large } = await core.run(
        Effect.gen(function* () {
          const store = yield* Store
          const storageClass = `cls-${Date.now()}`
          yield* store.prices.insert(sampleRows.price({ item: "disk-gib", variant: storageClass, perDay: 4 }))
          const large = yield* store.flavors.insert(sampleRows.flavor({ perDay: 500 }))
          const vm = yield* seedVm(core.world)
          const [disk] = yield* store.disks.list({ vmId: vm.id })
          if (disk) yield* store.disks.update(disk.id, { storageClass, sizeGiB: 10 })
          return { vm, large }
        }),
      )
      // The world's flavor costs 100 a day; its image is priced in the world too.
      const image = await core.run(Store.use((s) => s.images.get(vm.imageId)))
      await core.run(at("2026-12-04T23:00:00Z", recordHoldings()))
      await core.run(Store.use((s) => s.vms.update(vm.id, { flavorId: large.id })))
      await core.run(at("2026-12-05T18:00:00Z", recordHoldings()))
      // Nothing changed: no new record.
      assert.equal(await core.run(at("2026-12-05T19:00:00Z", recordHoldings())), 0)
      const rows = await core.run(at("2026-12-06T00:01:00Z", writeDailyCosts("2026-12-05")))
      const row = rows.find((r) => r.vmId === vm.id)
      assert.deepEqual(row && [row.flavor, row.storage, row.image, row.companyId], [
        100 * 0.75 + 500 * 0.25,
        40,
        image.perDay,
        vm.companyId,
      ])
      assert.equal(row?.total, 200 + 40 + image.perDay)
      await core.run(at("2026-12-06T00:02:00Z", writeDailyCosts("2026-12-05")))
      const view = await core.run(
        at("2026-12-06T12:00:00Z", vmCosts(core.world.actors.owner, vm.id, { from: "2026-12-01" })),
      )
      assert.deepEqual(
        view.days.map((d) => [d.day, d.total]),
        [["2026-12-05", 240 + image.perDay]],
      )
      // Today so far: half a day at the large flavor.
      assert.equal(view.today?.flavor, 250)
      const outsider = await core.run(Effect.flip(vmCosts(core.world.actors.outsider, vm.id)))
      assert.equal(outsider._tag, "NotFound")
    })

    it("M3 a purged VM's holdings end: it costs nothing after", async () => {
      const vm = await core.run(seedVm(core.world))
      await core.run(at("2026-12-07T00:00:00Z", recordHoldings()))
      await core.run(Store.use((s) => s.vms.purge(vm.id, [])))
      await core.run(at("2026-12-07T06:00:00Z", recordHoldings()))
      const records = await core.run(
        Store.use((s) =>
          s.costs.holdingsBetween(new Date("2026-12-07T00:00:00Z"), new Date("2026-12-08T00:00:00Z"), vm.id),
        ),
      )
      assert.deepEqual(
        records.map((r) => r.holding === null),
        [false, true],
      )
    })
  })
}

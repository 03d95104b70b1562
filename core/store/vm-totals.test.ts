import assert from "node:assert/strict"
import { before, describe, it } from "node:test"
import { Effect } from "effect"
import { Store } from "./ports.ts"
import { sampleRows, spreadVms, storeBackends, useStore } from "./testing.ts"
import type { VmQuery } from "./vm-query.ts"

for (const backend of storeBackends) {
  describe(`VM totals kept by PostgreSQL on ${backend.name}`, { skip: backend.skip }, () => {
    const runStore = useStore(backend)
    const big = sampleRows.flavor({ name: "big", cpus: 8, memoryMiB: 8192 })
    const { world, second, bundles, insert } = spreadVms(60, "10.30.0", (i) =>
      i % 7 === 0 ? { flavorId: big.id } : {},
    )
    before(() =>
      runStore(
        Effect.andThen(
          Store.use((store) => store.flavors.insert(big)),
          insert,
        ),
      ),
    )
    const query = (q: VmQuery) => runStore(Store.use((s) => s.vms.query({ ...q, limit: 1 })))
    const company = { companyId: world.company.id }
    // Every VM here has the world's image: filtering on it changes no row, but the matching VMs are then counted.
    const questions: ReadonlyArray<Omit<VmQuery, "limit">> = [
      { scope: company },
      { scope: company, states: ["running"] },
      { scope: { departmentId: second.id } },
      { scope: { ownerId: world.user.id }, states: ["stopped", "error"] },
      { scope: company, flavorIds: [big.id] },
      { scope: company, recycled: true },
    ]
    const assertKeptEqualsCounted = async (when: string) => {
      for (const q of questions) {
        const kept = await query(q)
        const counted = await query({ ...q, imageIds: [world.image.id] })
        assert.deepEqual([kept.total, kept.totals], [counted.total, counted.totals], `${when}: ${JSON.stringify(q)}`)
      }
    }

    it("L5 totals of scope, state and flavor filters are the VMs' own, after inserts side by side", async () => {
      await assertKeptEqualsCounted("after the inserts")
      const all = await query({ scope: company, imageIds: [world.image.id] })
      assert.equal(all.total, 60)
    })

    it("L5 they follow state changes, resizes, disks, the recycle bin and purges, also made in parallel", async () => {
      await runStore(
        Effect.gen(function* () {
          const store = yield* Store
          yield* Effect.forEach(
            bundles.slice(0, 30),
            (bundle, i) =>
              store.vms.update(bundle.vm.id, {
                state: i % 2 === 0 ? "stopped" : "running",
                cpus: 16,
                memoryMiB: 512,
                ...(i % 5 === 0 ? { recycledAt: new Date() } : {}),
              }),
            { concurrency: 10 },
          )
          const disk = bundles[40]?.disks[0]
          if (disk !== undefined) yield* store.disks.update(disk.id, { sizeGiB: 500 })
          yield* store.vms.purge(bundles[41]?.vm.id ?? "", bundles[41]?.disks.map((d) => d.id) ?? [])
        }),
      )
      await assertKeptEqualsCounted("after the changes")
      assert.equal((await query({ scope: company, imageIds: [world.image.id] })).total, 53)
    })
  })
}

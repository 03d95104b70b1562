import assert from "node:assert/strict"
import { before, describe, it } from "node:test"
import { Effect } from "effect"
import type { Tags, VmState } from "../model/index.ts"
import { Store } from "./ports.ts"
import { insertWorld, sampleBundle, sampleRows, sampleWorld, storeBackends, useStore } from "./testing.ts"
import type { VmListRow, VmQuery } from "./vm-query.ts"

/** What the list's totals of a tag filter must be: the listed VMs that carry every tag given, counted here. */
const countedHere = (rows: ReadonlyArray<VmListRow>, tags: Tags, keep: (row: VmListRow) => boolean) => {
  const matching = rows.filter(
    (row) => Object.entries(tags).every(([key, value]) => row.vm.tags[key] === value) && keep(row),
  )
  return {
    total: matching.length,
    totals: {
      cpus: matching.reduce((sum, row) => sum + row.vm.cpus, 0),
      memoryMiB: matching.reduce((sum, row) => sum + row.vm.memoryMiB, 0),
      diskGiB: matching.reduce((sum, row) => sum + row.diskGiB, 0),
    },
  }
}

for (const backend of storeBackends) {
  describe(`VM tags kept for the list on ${backend.name} (#23)`, { skip: backend.skip }, () => {
    const runStore = useStore(backend)
    const world = sampleWorld()
    const second = sampleRows.department({ companyId: world.company.id })
    const secondUser = sampleRows.user({ companyId: world.company.id, departmentId: second.id })
    const states: ReadonlyArray<VmState> = ["running", "stopped", "error"]
    const roles = ["web", "db", "cache"]
    const bundles = Array.from({ length: 48 }, (_, i) =>
      sampleBundle(world, {
        vm: {
          state: states[i % 3] ?? "running",
          cpus: 1 + (i % 4),
          memoryMiB: 256 * (1 + (i % 5)),
          tags: { "app-role": roles[i % 3] ?? "web", ...(i % 4 === 0 ? { tier: "gold" } : {}) },
          ...(i % 2 === 0 ? {} : { departmentId: second.id, ownerId: secondUser.id }),
        },
        disk: { sizeGiB: 1 + (i % 6), ...(i % 2 === 0 ? {} : { departmentId: second.id, ownerId: secondUser.id }) },
        nic: { primaryIp: `10.31.0.${i + 2}` },
      }),
    )
    before(() =>
      runStore(
        Effect.gen(function* () {
          const store = yield* Store
          yield* insertWorld(world)
          yield* store.departments.insert(second)
          yield* store.users.insert(secondUser)
          yield* Effect.forEach(
            [0, 1, 2, 3],
            (part) => store.vms.insertBundles(bundles.filter((_, i) => i % 4 === part)),
            { concurrency: "unbounded" },
          )
        }),
      ),
    )
    const company = { companyId: world.company.id }
    const query = (q: VmQuery) => runStore(Store.use((s) => s.vms.query(q)))
    /** Each tag question with its filter as a predicate on a listed row. */
    const questions: ReadonlyArray<readonly [Omit<VmQuery, "limit">, (row: VmListRow) => boolean]> = [
      [{ scope: company, tags: { "app-role": "web" } }, () => true],
      [{ scope: company, tags: { "app-role": "db" }, states: ["running"] }, (row) => row.vm.state === "running"],
      [{ scope: { departmentId: second.id }, tags: { tier: "gold" } }, (row) => row.vm.departmentId === second.id],
      [
        { scope: { ownerId: world.user.id }, tags: { "app-role": "web", tier: "gold" }, states: ["stopped", "error"] },
        (row) => row.vm.ownerId === world.user.id && row.vm.state !== "running",
      ],
      [
        { scope: company, tags: { "app-role": "cache" }, hostIds: [world.host.id] },
        (row) => row.vm.hostId === world.host.id,
      ],
      [{ scope: company, tags: { "app-role": "none" } }, () => false],
    ]
    const assertTotalsCounted = async (when: string) => {
      // Every VM outside the recycle bin, read from vms (no tag filter): the plain count to compare with.
      const all = await query({ scope: company })
      for (const [q, keep] of questions) {
        const listed = await query({ ...q, limit: 1 })
        const expected = countedHere(all.rows, q.tags ?? {}, keep)
        assert.deepEqual({ total: listed.total, totals: listed.totals }, expected, `${when}: ${JSON.stringify(q)}`)
      }
      return all
    }

    it("L4/L5 a tag filter's totals are those of the VMs that carry every tag given", async () => {
      const all = await assertTotalsCounted("after the inserts")
      assert.equal(all.total, 48)
    })

    it("L4/L5 they follow tag, state, owner, resize, disk, recycle-bin and purge changes made in parallel", async () => {
      await runStore(
        Effect.gen(function* () {
          const store = yield* Store
          yield* Effect.forEach(
            bundles.slice(0, 32),
            (bundle, i) =>
              store.vms.update(bundle.vm.id, {
                ...(i % 4 === 0 ? { tags: { "app-role": "web", tier: "gold" } } : {}),
                ...(i % 4 === 1 ? { tags: {} } : {}),
                ...(i % 4 === 2 ? { ownerId: secondUser.id, departmentId: second.id } : {}),
                state: i % 2 === 0 ? "stopped" : "running",
                cpus: 16,
                ...(i % 5 === 0 ? { recycledAt: new Date() } : {}),
              }),
            { concurrency: 8 },
          )
          // Writers of the same VMs side by side: each VM's tag rows end as its last write left its tags.
          yield* Effect.forEach(
            bundles
              .slice(32, 40)
              .flatMap((bundle) =>
                [
                  { tags: { "app-role": "db" } },
                  { tags: { "app-role": "cache", tier: "gold" }, state: "running" as const },
                  { memoryMiB: 4096 },
                ].map((patch) => ({ id: bundle.vm.id, patch })),
              ),
            ({ id, patch }) => store.vms.update(id, patch),
            { concurrency: "unbounded" },
          )
          const disk = bundles[44]?.disks[0]
          if (disk !== undefined) yield* store.disks.update(disk.id, { sizeGiB: 500 })
          yield* store.vms.purge(bundles[45]?.vm.id ?? "", bundles[45]?.disks.map((d) => d.id) ?? [])
        }),
      )
      const all = await assertTotalsCounted("after the changes")
      assert.equal(all.total, 48 - 7 - 1)
    })

    it("G3 the recycle bin's tag filter counts the recycled VMs", async () => {
      const recycled = await query({ scope: company, recycled: true })
      const listed = await query({ scope: company, recycled: true, tags: { "app-role": "web" }, limit: 1 })
      assert.deepEqual(
        { total: listed.total, totals: listed.totals },
        countedHere(recycled.rows, { "app-role": "web" }, () => true),
      )
      assert.ok(listed.total > 0)
    })
  })
}

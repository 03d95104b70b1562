import assert from "node:assert/strict"
import { before, describe, it } from "node:test"
import { Effect } from "effect"
import { Store } from "./ports.ts"
import { spreadVms, storeBackends, useStore } from "./testing.ts"
import type { VmListRow, VmQuery } from "./vm-query.ts"

/** The VMs a tag filter and a search by name must count: every tag given; the text in the name or hostname. */
const matches = (row: VmListRow, q: Omit<VmQuery, "limit">) =>
  Object.entries(q.tags ?? {}).every(([key, value]) => row.vm.tags[key] === value) &&
  (q.search === undefined ||
    `${row.vm.displayName}\u0001${row.vm.hostname}`.toLowerCase().includes(q.search.toLowerCase()))

/** The totals the list must show: the listed VMs that match, counted here. */
const countedHere = (rows: ReadonlyArray<VmListRow>, q: Omit<VmQuery, "limit">, keep: (row: VmListRow) => boolean) => {
  const matching = rows.filter((row) => matches(row, q) && keep(row))
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
  describe(`the list's tag and search rows kept by PostgreSQL on ${backend.name} (#23)`, { skip: backend.skip }, () => {
    const runStore = useStore(backend)
    const roles = ["web", "db", "cache"]
    const apps = ["Alpha", "beta", "gamma"]
    const { world, second, secondUser, bundles, insert } = spreadVms(48, "10.31.0", (i) => ({
      displayName: `${apps[i % 3]}_${i}`,
      tags: { "app-role": roles[i % 3] ?? "web", ...(i % 4 === 0 ? { tier: "gold" } : {}) },
    }))
    before(() => runStore(insert))
    const company = { companyId: world.company.id }
    const query = (q: VmQuery) => runStore(Store.use((s) => s.vms.query(q)))
    const running = (row: VmListRow) => row.vm.state === "running"
    const inSecond = (row: VmListRow) => row.vm.departmentId === second.id
    const ownStopped = (row: VmListRow) => row.vm.ownerId === world.user.id && row.vm.state !== "running"
    const onHost = (row: VmListRow) => row.vm.hostId === world.host.id
    // Each question with its filters as a predicate on a listed row. The searches are held by no owner's name and
    // begin no address: only names and hostnames match them.
    const questions: ReadonlyArray<readonly [Omit<VmQuery, "limit">, (row: VmListRow) => boolean]> = [
      [{ scope: company, tags: { "app-role": "web" } }, () => true],
      [{ scope: company, tags: { "app-role": "db" }, states: ["running"] }, running],
      [{ scope: { departmentId: second.id }, tags: { tier: "gold" } }, inSecond],
      [
        { scope: { ownerId: world.user.id }, tags: { "app-role": "web", tier: "gold" }, states: ["stopped", "error"] },
        ownStopped,
      ],
      [{ scope: company, tags: { "app-role": "cache" }, hostIds: [world.host.id] }, onHost],
      [{ scope: company, tags: { "app-role": "none" } }, () => false],
      [{ scope: company, search: "alpha" }, () => true],
      [{ scope: company, search: "ALPHA", states: ["running"] }, running],
      [{ scope: { departmentId: second.id }, search: "ta_" }, inSecond],
      [{ scope: { ownerId: world.user.id }, search: "a_1", states: ["stopped", "error"] }, ownStopped],
      [{ scope: company, search: "gamma", hostIds: [world.host.id] }, onHost],
      [{ scope: company, search: "gamma", tags: { tier: "gold" } }, () => true],
      [{ scope: company, search: "none-such" }, () => false],
    ]
    const assertTotalsCounted = async (when: string, recycled = false) => {
      // Every VM of the list or of the recycle bin, read from vms with no tag or search: the plain count.
      const all = await query({ scope: company, recycled })
      for (const [q, keep] of questions) {
        const listed = await query({ ...q, recycled, limit: 1 })
        const expected = countedHere(all.rows, q, keep)
        assert.deepEqual({ total: listed.total, totals: listed.totals }, expected, `${when}: ${JSON.stringify(q)}`)
      }
      return all
    }

    it("L2/L4/L5 the totals of a tag filter and of a search by name are those of the VMs that match", async () => {
      const all = await assertTotalsCounted("after the inserts")
      assert.equal(all.total, 48)
      assert.equal((await query({ scope: company, tags: { "app-role": "web" }, limit: 1 })).total, 16)
      assert.equal((await query({ scope: company, search: "alpha", limit: 1 })).total, 16)
    })

    it("L2/L4/L5 they follow tag, name, state, owner, size, disk, NIC, recycle-bin and purge changes in parallel", async () => {
      await runStore(
        Effect.gen(function* () {
          const store = yield* Store
          yield* Effect.forEach(
            bundles.slice(0, 32),
            (bundle, i) =>
              store.vms.update(bundle.vm.id, {
                ...(i % 4 === 0 ? { tags: { "app-role": "web", tier: "gold" }, displayName: `gamma_alpha_${i}` } : {}),
                ...(i % 4 === 1 ? { tags: {}, displayName: `renamed_${i}` } : {}),
                ...(i % 4 === 2 ? { ownerId: secondUser.id, departmentId: second.id } : {}),
                state: i % 2 === 0 ? "stopped" : "running",
                cpus: 16,
                ...(i % 5 === 0 ? { recycledAt: new Date() } : {}),
              }),
            { concurrency: 8 },
          )
          // Writers of the same VMs side by side: each VM's rows end as its last write left the VM.
          yield* Effect.forEach(
            bundles
              .slice(32, 40)
              .flatMap((bundle, i) =>
                [
                  { tags: { "app-role": "db" }, displayName: `beta_${i}` },
                  { tags: { "app-role": "cache", tier: "gold" }, displayName: `alpha_${i}`, state: "running" as const },
                  { memoryMiB: 4096 },
                ].map((patch) => ({ id: bundle.vm.id, patch })),
              ),
            ({ id, patch }) => store.vms.update(id, patch),
            { concurrency: "unbounded" },
          )
          const disk = bundles[44]?.disks[0]
          if (disk !== undefined) yield* store.disks.update(disk.id, { sizeGiB: 500 })
          const nic = bundles[43]?.nics[0]
          if (nic !== undefined) yield* store.nics.update(nic.id, { primaryIp: "10.31.9.9" })
          yield* store.vms.purge(bundles[45]?.vm.id ?? "", bundles[45]?.disks.map((d) => d.id) ?? [])
        }),
      )
      const all = await assertTotalsCounted("after the changes")
      assert.equal(all.total, 48 - 7 - 1)
      const moved = await query({ scope: company, search: "10.31.9.9", limit: 1 })
      assert.deepEqual(
        moved.rows.map((row) => row.vm.id),
        [bundles[43]?.vm.id],
        "a search by the new address finds the VM",
      )
    })

    it("G3 in the recycle bin, a tag filter and a search count the recycled VMs", async () => {
      const recycled = await assertTotalsCounted("in the recycle bin", true)
      assert.equal(recycled.total, 7)
    })
  })
}

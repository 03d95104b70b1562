import assert from "node:assert/strict"
import { before, describe, it } from "node:test"
import { Effect } from "effect"
import type { VmState } from "../model/index.ts"
import { Store } from "./ports.ts"
import { insertWorld, sampleBundle, sampleRows, sampleWorld, storeBackends, useStore } from "./testing.ts"
import type { VmListRow, VmQuery } from "./vm-query.ts"

/** What a search's totals must be: the listed VMs whose name or hostname holds the text, counted here. */
const countedHere = (rows: ReadonlyArray<VmListRow>, text: string, keep: (row: VmListRow) => boolean) => {
  const matching = rows.filter(
    (row) =>
      (row.vm.displayName.toLowerCase().includes(text) || row.vm.hostname.toLowerCase().includes(text)) && keep(row),
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
  describe(`VM search rows kept for the list on ${backend.name} (#23)`, { skip: backend.skip }, () => {
    const runStore = useStore(backend)
    const world = sampleWorld()
    const second = sampleRows.department({ companyId: world.company.id })
    const secondUser = sampleRows.user({ companyId: world.company.id, departmentId: second.id })
    const states: ReadonlyArray<VmState> = ["running", "stopped", "error"]
    const apps = ["Alpha", "beta", "gamma"]
    const bundles = Array.from({ length: 48 }, (_, i) =>
      sampleBundle(world, {
        vm: {
          displayName: `${apps[i % 3]}_${i}`,
          state: states[i % 3] ?? "running",
          cpus: 1 + (i % 4),
          memoryMiB: 256 * (1 + (i % 5)),
          ...(i % 2 === 0 ? {} : { departmentId: second.id, ownerId: secondUser.id }),
        },
        disk: { sizeGiB: 1 + (i % 6), ...(i % 2 === 0 ? {} : { departmentId: second.id, ownerId: secondUser.id }) },
        nic: { primaryIp: `10.32.0.${i + 2}` },
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
    // Searches no owner's name holds and no address starts with: only names and hostnames match.
    const questions: ReadonlyArray<readonly [Omit<VmQuery, "limit">, (row: VmListRow) => boolean]> = [
      [{ scope: company, search: "alpha" }, () => true],
      [{ scope: company, search: "ALPHA", states: ["running"] }, (row) => row.vm.state === "running"],
      [{ scope: { departmentId: second.id }, search: "ta_" }, (row) => row.vm.departmentId === second.id],
      [
        { scope: { ownerId: world.user.id }, search: "a_1", states: ["stopped", "error"] },
        (row) => row.vm.ownerId === world.user.id && row.vm.state !== "running",
      ],
      [{ scope: company, search: "gamma", hostIds: [world.host.id] }, (row) => row.vm.hostId === world.host.id],
      [{ scope: company, search: "none-such" }, () => false],
    ]
    const assertTotalsCounted = async (when: string) => {
      const all = await query({ scope: company })
      for (const [q, keep] of questions) {
        const listed = await query({ ...q, limit: 1 })
        const expected = countedHere(all.rows, (q.search ?? "").toLowerCase(), keep)
        assert.deepEqual({ total: listed.total, totals: listed.totals }, expected, `${when}: ${JSON.stringify(q)}`)
      }
      return all
    }

    it("L2/L5 a search's totals are those of the VMs whose name or hostname holds the text", async () => {
      const all = await assertTotalsCounted("after the inserts")
      assert.equal(all.total, 48)
      assert.equal((await query({ scope: company, search: "alpha", limit: 1 })).total, 16)
    })

    it("L2/L5 they follow renames, state, owner, resize, disk, NIC, recycle-bin and purge changes made in parallel", async () => {
      await runStore(
        Effect.gen(function* () {
          const store = yield* Store
          yield* Effect.forEach(
            bundles.slice(0, 32),
            (bundle, i) =>
              store.vms.update(bundle.vm.id, {
                ...(i % 4 === 0 ? { displayName: `gamma_alpha_${i}` } : {}),
                ...(i % 4 === 1 ? { displayName: `renamed_${i}` } : {}),
                ...(i % 4 === 2 ? { ownerId: secondUser.id, departmentId: second.id } : {}),
                state: i % 2 === 0 ? "stopped" : "running",
                cpus: 16,
                ...(i % 5 === 0 ? { recycledAt: new Date() } : {}),
              }),
            { concurrency: 8 },
          )
          // Writers of the same VMs side by side: each VM's search row ends as its last write left the VM.
          yield* Effect.forEach(
            bundles
              .slice(32, 40)
              .flatMap((bundle, i) =>
                [
                  { displayName: `beta_${i}` },
                  { displayName: `alpha_${i}`, state: "running" as const },
                  { memoryMiB: 4096 },
                ].map((patch) => ({ id: bundle.vm.id, patch })),
              ),
            ({ id, patch }) => store.vms.update(id, patch),
            { concurrency: "unbounded" },
          )
          const disk = bundles[44]?.disks[0]
          if (disk !== undefined) yield* store.disks.update(disk.id, { sizeGiB: 500 })
          const nic = bundles[43]?.nics[0]
          if (nic !== undefined) yield* store.nics.update(nic.id, { primaryIp: "10.32.9.9" })
          yield* store.vms.purge(bundles[45]?.vm.id ?? "", bundles[45]?.disks.map((d) => d.id) ?? [])
        }),
      )
      const all = await assertTotalsCounted("after the changes")
      assert.equal(all.total, 48 - 7 - 1)
      const moved = await query({ scope: company, search: "10.32.9.9", limit: 1 })
      assert.deepEqual(
        moved.rows.map((row) => row.vm.id),
        [bundles[43]?.vm.id],
        "a search by the new address finds the VM",
      )
    })

    it("G3 a search in the recycle bin counts the recycled VMs", async () => {
      const recycled = await query({ scope: company, recycled: true })
      const listed = await query({ scope: company, recycled: true, search: "alpha", limit: 1 })
      assert.deepEqual(
        { total: listed.total, totals: listed.totals },
        countedHere(recycled.rows, "alpha", () => true),
      )
      assert.ok(listed.total > 0)
    })
  })
}

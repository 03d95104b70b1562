import assert from "node:assert/strict"
import { before, describe, it } from "node:test"
import { Effect } from "effect"
import { Store } from "./ports.ts"
import { insertWorld, sampleBundle, sampleRows, sampleWorld, storeBackends, useStore } from "./testing.ts"
import { type VmCursor, vmSortKeys } from "./vm-query.ts"

for (const backend of storeBackends) {
  describe(`VM list query on ${backend.name}`, { skip: backend.skip }, () => {
    const runStore = useStore(backend)
    const world = sampleWorld()
    // A second department of the same company, with its own owner, for scope.
    const other = sampleRows.department({ companyId: world.company.id })
    const otherUser = sampleRows.user({ companyId: world.company.id, departmentId: other.id, name: "Zhang Wei" })
    const big = sampleRows.flavor({ name: "big", cpus: 4, memoryMiB: 4096 })
    const bundles = [
      sampleBundle(world, {
        vm: { displayName: "web_01", state: "running", tags: { env: "prod", "app-group": "shop" } },
        disk: { sizeGiB: 20 },
        nic: { primaryIp: "10.20.0.11", secondaryIps: ["10.20.0.99"] },
      }),
      sampleBundle(world, {
        vm: { displayName: "web_02", state: "stopped", tags: { env: "test" } },
        disk: { sizeGiB: 10 },
        nic: { primaryIp: "10.20.0.12" },
      }),
      sampleBundle(world, {
        vm: { displayName: "db_main", state: "running", flavorId: big.id, cpus: 4, memoryMiB: 4096, coresPerSocket: 4 },
        disk: { sizeGiB: 100 },
        nic: { primaryIp: "10.20.0.13" },
      }),
      sampleBundle(world, {
        vm: { displayName: "订单服务", state: "running", ownerId: otherUser.id, departmentId: other.id },
        disk: { sizeGiB: 5 },
        nic: { primaryIp: "10.20.0.14" },
      }),
    ]
    const recycled = sampleBundle(world, {
      vm: { displayName: "web_old", recycledAt: new Date() },
      nic: { primaryIp: "10.20.0.15" },
    })
    // A department of its own for paging: ties on every numeric key, a VM with no host, a name with an accent.
    const paged = sampleRows.department({ companyId: world.company.id })
    const pagedUser = sampleRows.user({ companyId: world.company.id, departmentId: paged.id })
    const pagedBundles = [
      { displayName: "p_a", cpus: 2, memoryMiB: 1024, hostId: null },
      { displayName: "p_b", cpus: 2, memoryMiB: 1024 },
      { displayName: "p_c", cpus: 1, memoryMiB: 2048, hostId: null },
      { displayName: "p_é", cpus: 2, memoryMiB: 512, state: "stopped" as const },
      { displayName: "p_d", cpus: 1, memoryMiB: 1024 },
    ].map((vm, i) =>
      sampleBundle(world, {
        vm: {
          ...vm,
          departmentId: paged.id,
          ownerId: pagedUser.id,
          createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i % 2)),
        },
        disk: { sizeGiB: 10 * (i % 2), departmentId: paged.id, ownerId: pagedUser.id },
        nic: { primaryIp: `10.20.1.${i + 1}` },
      }),
    )
    before(() =>
      runStore(
        Effect.gen(function* () {
          const store = yield* Store
          yield* insertWorld(world)
          yield* store.departments.insert(other)
          yield* store.users.insert(otherUser)
          yield* store.flavors.insert(big)
          yield* store.vms.insertBundles([...bundles, recycled])
          yield* store.departments.insert(paged)
          yield* store.users.insert(pagedUser)
          yield* store.vms.insertBundles(pagedBundles)
        }),
      ),
    )
    const query = (q: Parameters<Store["Service"]["vms"]["query"]>[0]) => runStore(Store.use((s) => s.vms.query(q)))
    const company = { companyId: world.company.id }
    const names = (page: Awaited<ReturnType<typeof query>>) => page.rows.map((r) => r.vm.displayName)

    it("L2 global search finds by name, by owner's name and by IP (primary prefix or secondary)", async () => {
      assert.deepEqual(names(await query({ scope: company, search: "WEB" })).sort(), ["web_01", "web_02"])
      assert.deepEqual(names(await query({ scope: company, search: "zhang" })), ["订单服务"])
      assert.deepEqual(names(await query({ scope: company, search: "10.20.0.13" })), ["db_main"])
      assert.deepEqual(names(await query({ scope: company, search: "10.20.0.99" })), ["web_01"])
      assert.deepEqual(names(await query({ scope: company, search: "100%" })), [], "LIKE characters match literally")
    })

    it("L4 header filters: name, status, flavor and tags combine", async () => {
      assert.deepEqual(names(await query({ scope: company, states: ["running"], name: "web" })), ["web_01"])
      assert.deepEqual(names(await query({ scope: company, flavorIds: [big.id] })), ["db_main"])
      assert.deepEqual(names(await query({ scope: company, tags: { env: "prod" } })), ["web_01"])
    })

    it("L5 totals cover the whole filtered set, not only the page", async () => {
      const page = await query({
        scope: { departmentId: world.department.id },
        sort: { by: "displayName", direction: "asc" },
        limit: 1,
      })
      assert.equal(page.rows.length, 1)
      assert.equal(page.total, 3)
      const flavorCpus = world.flavor.cpus
      assert.deepEqual(page.totals, {
        cpus: flavorCpus * 2 + 4,
        memoryMiB: world.flavor.memoryMiB * 2 + 4096,
        diskGiB: 130,
      })
      const row = page.rows[0]
      assert.equal(row?.vm.displayName, "db_main")
      assert.equal(row?.flavorName, "big")
      assert.equal(row?.ownerName, world.user.name)
      assert.deepEqual(row?.ips, ["10.20.0.13"])
      assert.equal(row?.diskGiB, 100)
    })

    it("L3 sort by any column, both directions, with paging", async () => {
      const scope = { departmentId: world.department.id }
      const byDisk = await query({ scope, sort: { by: "diskGiB", direction: "desc" } })
      assert.deepEqual(names(byDisk), ["db_main", "web_01", "web_02"])
      const second = await query({ scope, sort: { by: "diskGiB", direction: "desc" }, offset: 1, limit: 1 })
      assert.deepEqual(names(second), ["web_01"])
    })

    it("L4 a cursor walks every sort key in both orders through the same rows as offset, ties and no host included", async () => {
      // Unfiltered pages walk the sort index; searched ones (by name, by IP) page the matched rows (#23).
      for (const search of [undefined, "p_", "10.20.1."]) {
        const scope = { departmentId: paged.id }
        const filter = search === undefined ? { scope } : { scope, search }
        for (const by of vmSortKeys) {
          for (const direction of ["asc", "desc"] as const) {
            const sort = { by, direction }
            const whole = names(await query({ ...filter, sort }))
            const walked: Array<string> = []
            let after: VmCursor | undefined
            for (let step = 0; step < 10; step++) {
              const page = await query({ ...filter, sort, limit: 2, ...(after === undefined ? {} : { after }) })
              walked.push(...names(page))
              assert.equal(page.total, 5, "the totals stay those of the whole list")
              assert.equal(page.totals.cpus, 8)
              const offsetPage = await query({ ...filter, sort, limit: 2, offset: walked.length - page.rows.length })
              assert.deepEqual(names(offsetPage), names(page), `${search} ${by} ${direction}: cursor and offset agree`)
              after = page.next
              if (after === undefined) break
            }
            assert.deepEqual(walked, whole, `${search} ${by} ${direction}`)
            assert.equal(new Set(walked).size, 5)
          }
        }
      }
      const scope = { departmentId: paged.id }
      const last = await query({ scope, limit: 5 })
      assert.equal(last.next, undefined, "no cursor when no row follows")
      const empty = await query({ scope, limit: 5, totals: false })
      assert.deepEqual([empty.total, empty.totals], [0, { cpus: 0, memoryMiB: 0, diskGiB: 0 }], "totals left out")
      assert.equal(empty.rows.length, 5)
    })

    it("L6 a sheet page has only the fields asked for, and the list's rows, totals and cursor", async () => {
      const q = {
        scope: { departmentId: world.department.id },
        sort: { by: "diskGiB", direction: "desc" },
        limit: 2,
      } as const
      const fields = ["displayName", "ownerName", "ips", "diskGiB", "createdAt"] as const
      const [page, sheet] = await Promise.all([query(q), runStore(Store.use((s) => s.vms.sheet(q, fields)))])
      assert.deepEqual(
        sheet.rows.map((row) => Object.keys(row).sort()),
        sheet.rows.map(() => ["createdAt", "diskGiB", "displayName", "id", "ips", "ownerName"]),
      )
      assert.deepEqual(
        sheet.rows,
        page.rows.map((row) => ({
          id: row.vm.id,
          displayName: row.vm.displayName,
          ownerName: row.ownerName,
          ips: row.ips,
          diskGiB: row.diskGiB,
          createdAt: row.vm.createdAt,
        })),
      )
      assert.deepEqual([sheet.total, sheet.totals, sheet.next], [page.total, page.totals, page.next])
      // Without totals (the export's later batches) the rows come from the sort index's walk: the same rows.
      const walked = await runStore(Store.use((s) => s.vms.sheet({ ...q, totals: false }, fields)))
      assert.deepEqual([walked.rows, walked.total, walked.next], [sheet.rows, 0, sheet.next])
    })

    it("G1 L1 scope: a department sees its own VMs; an owner's view is only theirs", async () => {
      assert.deepEqual(names(await query({ scope: { departmentId: other.id } })), ["订单服务"])
      assert.equal((await query({ scope: { ownerId: world.user.id } })).total, 3)
    })

    it("G3 recycled VMs appear only in the recycle bin", async () => {
      assert.ok(!names(await query({ scope: company })).includes("web_old"))
      assert.deepEqual(names(await query({ scope: company, recycled: true })), ["web_old"])
    })
  })
}

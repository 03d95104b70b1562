import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { storeBackends } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"

interface Page {
  items: Array<Record<string, unknown> & { id: string }>
  total: number
  totals: { cpus: number; memoryMiB: number; diskGiB: number }
  offset: number
  limit: number
  next: string | null
  error: { code: string; message: string }
}

for (const backend of storeBackends) {
  describe(`VM list on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    const suite = () => randomUUID().slice(0, 8)
    const list = (query: string, as: "owner" | "admin" | "superadmin" | "salesUser" = "admin") =>
      agent.call<Page>("GET", `/api/v1/vms?${query}`, { as })

    it("L2 global search finds VMs by name, hostname, owner's name and IP", async () => {
      const s = suite()
      const byName = await agent.seedVm({ displayName: `alpha_${s}`, tags: { suite: s } })
      const other = await agent.seedVm({ displayName: "beta", tags: { suite: s } })
      await agent.addNic(other.id, "10.77.3.4")
      const ids = async (search: string) =>
        (await list(`tag=suite:${s}&search=${encodeURIComponent(search)}`)).body.items.map((row) => row.id).sort()
      assert.deepEqual(await ids(`alpha_${s}`), [byName.id])
      assert.deepEqual(await ids(other.hostname), [other.id])
      assert.deepEqual(await ids("10.77.3"), [other.id])
      assert.deepEqual(await ids("owner"), [byName.id, other.id].sort(), "both belong to the user named owner")
    })

    it("L2 L5 parallel searches of one shape (one prepared statement) each get their own VMs and totals", async () => {
      const s = suite()
      const names = ["kiwi", "lime", "mango", "olive", "peach", "quince"]
      const seeded = await Promise.all(
        names.map((name, at) =>
          agent.seedVm({ displayName: `${name}_${s}`, cpus: at + 1, state: "running", tags: { suite: s } }),
        ),
      )
      // The same filters and sort, other values: one shape, asked many times at once, each search twice.
      const pages = await Promise.all(
        [...names, ...names].map((name) =>
          list(`search=${name}_${s}&state=running&sort=displayName&limit=5&columns=displayName,cpus`),
        ),
      )
      for (const [at, page] of pages.entries()) {
        const index = at % names.length
        assert.equal(page.status, 200)
        assert.deepEqual(
          page.body.items.map((row) => row.id),
          [seeded[index]?.id],
          names[index],
        )
        assert.equal(page.body.total, 1)
        assert.equal(page.body.totals.cpus, index + 1)
      }
    })

    it("L4 L5 header filters narrow the list, and the totals sum CPU, memory and disk of the filtered set only", async () => {
      const s = suite()
      await agent.seedVm({ displayName: "a", cpus: 2, memoryMiB: 1024, state: "running", tags: { suite: s } })
      await agent.seedVm({ displayName: "b", cpus: 4, memoryMiB: 2048, state: "running", tags: { suite: s } })
      await agent.seedVm({ displayName: "c", cpus: 8, memoryMiB: 4096, state: "stopped", tags: { suite: s } })
      const running = await list(`tag=suite:${s}&state=running&limit=1`)
      assert.equal(running.status, 200)
      assert.equal(running.body.items.length, 1, "one row on the page")
      assert.equal(running.body.total, 2)
      assert.deepEqual(running.body.totals, { cpus: 6, memoryMiB: 3072, diskGiB: 2 }, "totals of both, not the page")
      const all = await list(`tag=suite:${s}&state=running,stopped`)
      assert.deepEqual(all.body.totals, { cpus: 14, memoryMiB: 7168, diskGiB: 3 })
      const repeated = await list(`tag=suite:${s}&state=running&state=stopped&name=c`)
      assert.deepEqual(
        repeated.body.items.map((row) => row.displayName),
        ["c"],
      )
      const flavor = await list(`tag=suite:${s}&flavorId=${agent.world.flavor.id}&hostId=${agent.world.host.id}`)
      assert.equal(flavor.body.total, 3)
      const owner = await list(`tag=suite:${s}&ownerId=${agent.users.admin.id}`)
      assert.equal(owner.body.total, 0)
      const none = await list(`tag=suite:${s}&tag=team:nobody`)
      assert.equal(none.body.total, 0, "every tag given must match")
    })

    it("L3 ?columns limits each row to those fields (id always); an unknown column is 400", async () => {
      const s = suite()
      await agent.seedVm({ tags: { suite: s } })
      const narrow = await list(`tag=suite:${s}&columns=displayName,state,cpus`)
      assert.deepEqual(Object.keys(narrow.body.items[0] ?? {}).sort(), ["cpus", "displayName", "id", "state"])
      const wide = await list(`tag=suite:${s}`)
      const row = wide.body.items[0] ?? { id: "" }
      for (const column of ["ownerName", "flavorName", "hostName", "ips", "diskGiB", "tags", "createdAt"]) {
        assert.ok(column in row, column)
      }
      assert.ok(!("passwordCipher" in row))
      const bad = await list(`columns=displayName,password`)
      assert.equal(bad.status, 400)
      assert.match(bad.body.error.message, /query\.columns\[1\]/)
    })

    it("L4 sort by any sortable column in either order, and page with offset and limit", async () => {
      const s = suite()
      for (const cpus of [3, 1, 2]) await agent.seedVm({ displayName: `n${cpus}`, cpus, tags: { suite: s } })
      const desc = await list(`tag=suite:${s}&sort=cpus&order=desc&columns=cpus`)
      assert.deepEqual(
        desc.body.items.map((row) => row.cpus),
        [3, 2, 1],
      )
      const second = await list(`tag=suite:${s}&sort=displayName&offset=1&limit=1&columns=displayName`)
      assert.deepEqual(second.body.items, [{ id: second.body.items[0]?.id, displayName: "n2" }])
      assert.equal(second.body.total, 3)
      assert.equal(second.body.offset, 1)
      for (const bad of ["sort=password", "order=up", "limit=0", "limit=501", "offset=-1", "limit=1.5"]) {
        assert.equal((await list(bad)).status, 400, bad)
      }
    })

    it("L4 a cursor pages through the list after its last row; a forged cursor or one of another sort is 400", async () => {
      const s = suite()
      for (const cpus of [2, 1, 2, 3, 2]) await agent.seedVm({ displayName: `k${cpus}`, cpus, tags: { suite: s } })
      const query = `tag=suite:${s}&sort=cpus&order=desc&limit=2&columns=cpus`
      const whole = await list(`tag=suite:${s}&sort=cpus&order=desc&columns=cpus`)
      const walked: Array<string> = []
      let page = await list(query)
      walked.push(...page.body.items.map((row) => row.id))
      // Two walks side by side: a cursor carries all it needs, nothing is kept between requests.
      for (let step = 0; page.body.next !== null && step < 5; step++) {
        const cursor = encodeURIComponent(page.body.next)
        const [next, again] = await Promise.all([list(`${query}&cursor=${cursor}`), list(`${query}&cursor=${cursor}`)])
        assert.deepEqual(again.body.items, next.body.items)
        assert.equal(next.body.total, 5, "totals of the whole filtered set on every page")
        page = next
        walked.push(...page.body.items.map((row) => row.id))
      }
      assert.equal(page.body.next, null, "the last page has no next")
      assert.deepEqual(
        walked,
        whole.body.items.map((row) => row.id),
      )
      const first = await list(query)
      const cursor = encodeURIComponent(first.body.next ?? "")
      const otherSort = await list(`tag=suite:${s}&sort=cpus&order=asc&limit=2&cursor=${cursor}`)
      assert.equal(otherSort.status, 400)
      assert.equal(otherSort.body.error.code, "invalid-input")
      assert.match(otherSort.body.error.message, /sort=cpus&order=desc/)
      const forged = Buffer.from(JSON.stringify({ by: "cpus", order: "desc", key: 3 })).toString("base64url")
      for (const bad of [forged, "not-a-cursor", "%2F%2F"]) {
        const refused = await list(`${query}&cursor=${bad}`)
        assert.equal(refused.status, 400, bad)
        assert.equal(refused.body.error.code, "invalid-input")
      }
    })

    it("L1 an admin manages the department's VMs and can narrow to their own; a user sees only their own", async () => {
      const s = suite()
      const users = agent.users
      const mine = await agent.seedVm({ ownerId: users.admin.id, createdBy: users.admin.id, tags: { suite: s } })
      const theirs = await agent.seedVm({ tags: { suite: s } })
      const managed = await list(`tag=suite:${s}`)
      assert.deepEqual(managed.body.items.map((row) => row.id).sort(), [mine.id, theirs.id].sort())
      const narrowed = await list(`tag=suite:${s}&view=mine`)
      assert.deepEqual(
        narrowed.body.items.map((row) => row.id),
        [mine.id],
      )
      const asUser = await list(`tag=suite:${s}`, "owner")
      assert.deepEqual(
        asUser.body.items.map((row) => row.id),
        [theirs.id],
      )
      const everything = await list(`tag=suite:${s}`, "superadmin")
      assert.equal(everything.body.total, 2)
    })
  })
}

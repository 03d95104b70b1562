import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { storeBackends } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"

interface TaskRow {
  readonly id: string
  readonly operation: string
  readonly createdAt: string
}

for (const backend of storeBackends) {
  describe(`GET /tasks paging and filters on ${backend.name} (#21)`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    const act = async (vmId: string, action: string) => {
      const reply = await agent.call("POST", `/api/v1/vms/${vmId}/${action}`)
      assert.equal(reply.status, 202, JSON.stringify(reply.body))
      return agent.settle(reply.body.task.id)
    }

    it("G4 offset/limit page through a VM's tasks with the total; operation and since filter them", async () => {
      const vm = await agent.seedVm()
      const done = []
      for (const action of ["start", "stop", "start", "stop", "start"]) done.push(await act(vm.id, action))
      const page = async (query: string) => {
        const reply = await agent.call("GET", `/api/v1/tasks?vmId=${vm.id}&${query}`)
        assert.equal(reply.status, 200, JSON.stringify(reply.body))
        return reply.body as { items: ReadonlyArray<TaskRow>; total: number; offset: number; limit: number }
      }
      const first = await page("limit=2")
      assert.deepEqual([first.total, first.offset, first.limit, first.items.length], [5, 0, 2, 2])
      const second = await page("limit=2&offset=2")
      const third = await page("limit=2&offset=4")
      const newestFirst = [...done].reverse().map((t) => t.id)
      assert.deepEqual(
        [...first.items, ...second.items, ...third.items].map((t) => t.id),
        newestFirst,
      )
      assert.equal(third.items.length, 1)

      const starts = await page("operation=vm.start")
      assert.equal(starts.total, 3)
      assert.ok(starts.items.every((t) => t.operation === "vm.start"))
      const both = await page("operation=vm.start,vm.stop&limit=1")
      assert.deepEqual([both.total, both.items.length], [5, 1])

      const since = done[3]?.createdAt
      assert.ok(since)
      const recent = await page(`since=${new Date(since).toISOString()}`)
      assert.deepEqual(
        recent.items.map((t) => t.id),
        newestFirst.slice(0, 2),
      )
      assert.equal(recent.total, 2)
    })

    it("G4 parallel page requests agree on the total; bad paging or filters are 400 and list nothing", async () => {
      const vm = await agent.seedVm()
      await act(vm.id, "start")
      await act(vm.id, "stop")
      const replies = await Promise.all(
        [0, 1, 0, 1].map((offset) => agent.call("GET", `/api/v1/tasks?vmId=${vm.id}&limit=1&offset=${offset}`)),
      )
      assert.deepEqual(
        replies.map((r) => [r.status, r.body.total]),
        [
          [200, 2],
          [200, 2],
          [200, 2],
          [200, 2],
        ],
      )
      assert.equal(replies[0]?.body.items[0].id, replies[2]?.body.items[0].id)
      for (const query of ["offset=-1", "limit=0", "limit=501", "operation=vm.dance", "since=yesterday"]) {
        const reply = await agent.call("GET", `/api/v1/tasks?${query}`)
        assert.equal(reply.status, 400, query)
        assert.equal(reply.body.error.code, "invalid-input", query)
      }
    })

    it("G1 the total counts only the caller's scope", async () => {
      const vm = await agent.seedVm()
      await act(vm.id, "start")
      const outsider = await agent.call("GET", "/api/v1/tasks?operation=vm.start", { as: "outsider" })
      assert.equal(outsider.status, 200)
      assert.equal(outsider.body.total, outsider.body.items.length)
      assert.ok(outsider.body.items.every((t: { userId: string }) => t.userId === agent.users.outsider.id))
    })
  })
}

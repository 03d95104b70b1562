/** R10 through the API (fake driver, real PostgreSQL): admin CRUD of a department's groups; join and leave while stopped. */
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Store } from "../../core/index.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { runningVm, stop } from "../storage/testing.ts"
import { useAgent } from "../testing/harness.ts"

// biome-ignore lint/suspicious/noExplicitAny: tests read replies loosely, as an API client would
type Json = any

const refusal = (reply: { status: number; body: Json }) => `${reply.status} ${reply.body?.error?.rule}`

for (const backend of storeBackends) {
  describe(`affinity groups through the API on ${backend.name} (R10)`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)

    it("R10 admins manage their department's groups; users list them; another department's are out of reach", async () => {
      const body = { name: "web-spread", policy: "anti-affinity" }
      assert.equal(refusal(await agent.call("POST", "/api/v1/affinity-groups", { body })), "403 admin-only")
      const made = await agent.call("POST", "/api/v1/affinity-groups", { as: "admin", body })
      assert.equal(made.status, 201, JSON.stringify(made.body))
      assert.equal(made.body.departmentId, agent.users.owner.departmentId)
      const sales = agent.users.salesUser.departmentId
      const elsewhere = await agent.call("POST", "/api/v1/affinity-groups", {
        as: "admin",
        body: { ...body, departmentId: sales },
      })
      assert.equal(refusal(elsewhere), "403 department-in-scope")
      const listed = (await agent.call("GET", "/api/v1/affinity-groups")).body.items.map((g: Json) => g.name)
      assert.deepEqual(listed, ["web-spread"])
      assert.deepEqual((await agent.call("GET", "/api/v1/affinity-groups", { as: "salesUser" })).body.items, [])
      const theirs = await agent.call("DELETE", `/api/v1/affinity-groups/${made.body.id}`, { as: "outsider" })
      assert.equal(theirs.status, 404)
      assert.equal((await agent.call("DELETE", `/api/v1/affinity-groups/${made.body.id}`, { as: "admin" })).status, 204)
      assert.deepEqual((await agent.call("GET", "/api/v1/affinity-groups")).body.items, [])
    })

    it("R10 join and leave while stopped only; several groups, all the VM's department's", async () => {
      const group = (name: string, as: "admin" | "outsider" = "admin") =>
        agent
          .call("POST", "/api/v1/affinity-groups", { as, body: { name, policy: "affinity" } })
          .then((r) => r.body.id as string)
      const [a, b, foreign] = [await group("db-near"), await group("cache-near"), await group("sales-near", "outsider")]
      const { vm } = await runningVm(agent)
      const set = (groupIds: ReadonlyArray<string>) =>
        agent.call("PUT", `/api/v1/vms/${vm.id}/affinity-groups`, { body: { groupIds } })
      assert.equal(refusal(await set([a])), "409 stopped-only")
      await stop(agent, vm.id)
      assert.equal(refusal(await set([a, foreign])), "422 affinity-group-department")
      assert.equal((await set([a, b])).status, 200)
      assert.deepEqual((await agent.run(Store.use((s) => s.vms.get(vm.id)))).affinityGroupIds, [a, b])
      assert.equal((await set([b])).status, 200, "leaving a is setting the rest")
      assert.deepEqual((await agent.run(Store.use((s) => s.vms.get(vm.id)))).affinityGroupIds, [b])
    })
  })
}

import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { recordHoldings } from "../../core/cost/index.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"

for (const backend of storeBackends.filter((b) => b.name === "postgres")) {
  describe(`cost routes on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)

    it("D5 GET /vms/{id}/costs: the days written and today so far; scoped; bad days are 400", async () => {
      const vm = await agent.seedVm()
      await agent.run(recordHoldings())
      const reply = await agent.call("GET", `/api/v1/vms/${vm.id}/costs`)
      assert.equal(reply.status, 200)
      assert.deepEqual(reply.body.days, [])
      assert.equal(reply.body.today.vmId, vm.id)
      assert.ok(reply.body.today.total >= 0)
      assert.equal((await agent.call("GET", `/api/v1/vms/${vm.id}/costs`, { as: "outsider" })).status, 404)
      for (const query of ["from=2026-13-01", "from=2026-12-06&to=2026-12-01", "from=2020-01-01&to=2026-01-01"]) {
        assert.equal((await agent.call("GET", `/api/v1/vms/${vm.id}/costs?${query}`)).status, 400, query)
      }
    })
  })
}

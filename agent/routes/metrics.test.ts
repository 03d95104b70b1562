import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { insertSamples } from "../../core/metrics/testing.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"

// PGlite is being removed (#13): PostgreSQL only.
for (const backend of storeBackends.filter((b) => b.name === "postgres")) {
  describe(`metric routes on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)

    it("M1 GET /vms/{id}/metrics serves the series as columns, for those who may see the VM", async () => {
      const vm = await agent.seedVm()
      const start = new Date(Date.now() - 10 * 60_000).toISOString()
      await agent.run(insertSamples(vm.id, start, 30, [5, 15, 25]))
      const reply = await agent.call("GET", `/api/v1/vms/${vm.id}/metrics`)
      assert.equal(reply.status, 200)
      assert.equal(reply.body.tier, "raw")
      assert.equal(reply.body.stepSeconds, 30)
      assert.deepEqual(reply.body.cpuPercent, [5, 15, 25])
      assert.deepEqual(reply.body.memoryPercent, [50, 50, 50])
      assert.equal(reply.body.at.length, 3)
      const admin = await agent.call("GET", `/api/v1/vms/${vm.id}/metrics`, { as: "admin" })
      assert.deepEqual(admin.body.cpuPercent, [5, 15, 25])
      const outsider = await agent.call("GET", `/api/v1/vms/${vm.id}/metrics`, { as: "outsider" })
      assert.equal(outsider.status, 404)
    })

    it("M1 bad queries are 400 with a code and change nothing", async () => {
      const vm = await agent.seedVm()
      for (const query of ["from=yesterday", "tier=1h", "from=2026-12-06T10:00:00Z&to=2026-12-06T09:00:00Z", "x=1"]) {
        const reply = await agent.call("GET", `/api/v1/vms/${vm.id}/metrics?${query}`)
        assert.equal(reply.status, 400, query)
        assert.equal(typeof reply.body.error.code, "string")
      }
    })
  })
}

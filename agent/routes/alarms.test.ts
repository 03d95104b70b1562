import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { storeBackends } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"

for (const backend of storeBackends.filter((b) => b.name === "postgres")) {
  describe(`alarm routes on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    const body = () => ({
      metric: "cpu",
      thresholdPercent: 50,
      durationMinutes: 5,
      recipientUserIds: [agent.users.admin.id],
    })

    it("R1 add, list, change, remove an alarm; the history starts empty", async () => {
      const vm = await agent.seedVm({ monitoringInstalled: true })
      const created = await agent.call("POST", `/api/v1/vms/${vm.id}/alarms`, { body: body() })
      assert.equal(created.status, 201)
      assert.equal(created.body.firing, false)
      assert.equal(created.body.enabled, true)
      const patched = await agent.call("PATCH", `/api/v1/vms/${vm.id}/alarms/${created.body.id}`, {
        body: { thresholdPercent: 75, enabled: false },
        as: "admin",
      })
      assert.equal(patched.status, 200)
      assert.deepEqual([patched.body.thresholdPercent, patched.body.enabled], [75, false])
      const listed = await agent.call("GET", `/api/v1/vms/${vm.id}/alarms`)
      assert.deepEqual(
        listed.body.items.map((a: { id: string }) => a.id),
        [created.body.id],
      )
      assert.deepEqual((await agent.call("GET", `/api/v1/vms/${vm.id}/alarm-events`)).body.items, [])
      const removed = await agent.request("DELETE", `/api/v1/vms/${vm.id}/alarms/${created.body.id}`)
      assert.equal(removed.status, 204)
      assert.deepEqual((await agent.call("GET", `/api/v1/vms/${vm.id}/alarms`)).body.items, [])
    })

    it("R1 refusals name the rule and store nothing; outsiders see nothing", async () => {
      const bare = await agent.seedVm({ monitoringInstalled: false })
      const noMonitoring = await agent.call("POST", `/api/v1/vms/${bare.id}/alarms`, { body: body() })
      assert.equal(noMonitoring.status, 409)
      assert.equal(noMonitoring.body.error.rule, "monitoring-installed")
      const vm = await agent.seedVm({ monitoringInstalled: true })
      const outsider = await agent.call("POST", `/api/v1/vms/${vm.id}/alarms`, { body: body(), as: "outsider" })
      assert.equal(outsider.status, 404)
      const unknownUser = await agent.call("POST", `/api/v1/vms/${vm.id}/alarms`, {
        body: { ...body(), recipientUserIds: ["00000000-0000-4000-8000-000000000000"] },
      })
      assert.equal(unknownUser.status, 404)
      for (const bad of [
        { ...body(), thresholdPercent: 0 },
        { ...body(), thresholdPercent: 101 },
        { ...body(), durationMinutes: 0 },
        { ...body(), metric: "gpu" },
        { ...body(), recipientUserIds: [] },
        { ...body(), extra: 1 },
      ]) {
        const reply = await agent.call("POST", `/api/v1/vms/${vm.id}/alarms`, { body: bad })
        assert.equal(reply.status, 400, JSON.stringify(bad))
      }
      assert.deepEqual((await agent.call("GET", `/api/v1/vms/${vm.id}/alarms`)).body.items, [])
      assert.deepEqual((await agent.call("GET", `/api/v1/vms/${bare.id}/alarms`)).body.items, [])
    })

    it("R1 parallel requests each add their own rule", async () => {
      const vm = await agent.seedVm({ monitoringInstalled: true })
      const replies = await Promise.all(
        ["cpu", "memory", "disk", "cpu"].map((metric) =>
          agent.call("POST", `/api/v1/vms/${vm.id}/alarms`, { body: { ...body(), metric } }),
        ),
      )
      assert.deepEqual(
        replies.map((r) => r.status),
        [201, 201, 201, 201],
      )
      const listed = await agent.call("GET", `/api/v1/vms/${vm.id}/alarms`)
      assert.equal(new Set(listed.body.items.map((a: { id: string }) => a.id)).size, 4)
    })
  })
}

import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Store } from "../../core/index.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"

for (const backend of storeBackends) {
  describe(`ETag and If-Match on a VM on ${backend.name} (#21)`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    const etagOf = async (vmId: string) => {
      const detail = await agent.call("GET", `/api/v1/vms/${vmId}`)
      assert.equal(detail.status, 200)
      const etag = detail.response.headers.get("ETag")
      assert.equal(etag, `"${detail.body.vm.version}"`)
      return etag ?? ""
    }
    const tasksOf = async (vmId: string) => (await agent.run(Store.use((s) => s.tasks.list({ vmId })))).length

    it("R2 a PATCH with the current ETag applies and moves the ETag; with the old one it is 412 and changes nothing", async () => {
      const vm = await agent.seedVm()
      const first = await etagOf(vm.id)
      const renamed = await agent.call("PATCH", `/api/v1/vms/${vm.id}`, {
        body: { displayName: "web01" },
        headers: { "If-Match": first },
      })
      assert.equal(renamed.status, 200, JSON.stringify(renamed.body))
      const second = await etagOf(vm.id)
      assert.notEqual(second, first)
      const tasksBefore = await tasksOf(vm.id)
      const stale = await agent.call("PATCH", `/api/v1/vms/${vm.id}`, {
        body: { displayName: "web02" },
        headers: { "If-Match": first },
      })
      assert.equal(stale.status, 412)
      assert.equal(stale.body.error.code, "precondition-failed")
      assert.equal(stale.response.headers.get("ETag"), second)
      const after = await agent.call("GET", `/api/v1/vms/${vm.id}`)
      assert.equal(after.body.vm.displayName, "web01")
      assert.equal(await tasksOf(vm.id), tasksBefore)
    })

    it("B2 an action honours If-Match: a stale tag is 412 in the caller's language, a list with the current one or * acts", async () => {
      const vm = await agent.seedVm()
      const current = await etagOf(vm.id)
      const stale = await agent.call("POST", `/api/v1/vms/${vm.id}/start`, {
        headers: { "If-Match": '"999999"' },
        lang: "zh",
      })
      assert.equal(stale.status, 412)
      assert.match(stale.body.error.message, /\p{Script=Han}/u)
      const weak = await agent.call("POST", `/api/v1/vms/${vm.id}/start`, { headers: { "If-Match": `W/${current}` } })
      assert.equal(weak.status, 412, "If-Match compares strongly: a weak tag never matches")
      const started = await agent.call("POST", `/api/v1/vms/${vm.id}/start`, {
        headers: { "If-Match": `"999999", ${current}` },
      })
      assert.equal(started.status, 202, JSON.stringify(started.body))
      await agent.settle(started.body.task.id)
      const stopped = await agent.call("POST", `/api/v1/vms/${vm.id}/stop`, { headers: { "If-Match": "*" } })
      assert.equal(stopped.status, 202)
      await agent.settle(stopped.body.task.id)
      const malformed = await agent.call("POST", `/api/v1/vms/${vm.id}/start`, { headers: { "If-Match": "12" } })
      assert.equal(malformed.status, 400)
      assert.equal(malformed.body.error.code, "invalid-input")
    })

    it("R2 two parallel PATCHes on the same version: one applies, the other is refused", async () => {
      const vm = await agent.seedVm()
      const etag = await etagOf(vm.id)
      const replies = await Promise.all(
        ["alpha1", "beta22"].map((displayName) =>
          agent.call("PATCH", `/api/v1/vms/${vm.id}`, { body: { displayName }, headers: { "If-Match": etag } }),
        ),
      )
      // The loser is refused either way: 409 while the winner holds the VM's lock, 412 once it has written.
      const statuses = replies.map((r) => r.status).sort()
      assert.equal(statuses[0], 200, JSON.stringify(statuses))
      assert.ok(statuses[1] === 409 || statuses[1] === 412, JSON.stringify(statuses))
      const winner = replies.find((r) => r.status === 200)?.body.vm.displayName
      assert.equal((await agent.call("GET", `/api/v1/vms/${vm.id}`)).body.vm.displayName, winner)
    })

    it("H4 the document lists If-Match and 412 on the VM's writes, and ETag on its detail", async () => {
      const doc = (await agent.call("GET", "/api/v1/openapi.json", { as: null })).body
      for (const [path, method] of [
        ["/api/v1/vms/{id}", "patch"],
        ["/api/v1/vms/{id}", "delete"],
        ["/api/v1/vms/{id}/start", "post"],
      ] as const) {
        const operation = doc.paths[path][method]
        assert.ok(
          operation.parameters.some((p: { in: string; name: string }) => p.in === "header" && p.name === "If-Match"),
        )
        assert.ok(operation.responses["412"], `${method} ${path}`)
      }
      assert.ok(doc.paths["/api/v1/vms/{id}"].get.responses["200"].headers.ETag)
    })
  })
}

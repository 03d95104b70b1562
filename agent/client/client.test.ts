// The typed client `hyperx/client` against the agent in process: the calls below are compiled by `tsc --noEmit` in
// CI against the types generated from the OpenAPI document, so a document that says less than the server accepts
// (a required body on start, offset/limit as strings, a state that is any string) fails the build (#21, H4).
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { storeBackend } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"
import { type components, createHyperxClient } from "./index.ts"

describe("hyperx/client, the typed client generated from the OpenAPI document (#21)", () => {
  const agent = useAgent(storeBackend)
  const client = (who: "owner" | "superadmin" = "owner") =>
    createHyperxClient({
      baseUrl: "http://agent.test/",
      token: agent.tokens[who],
      fetch: (request) => Promise.resolve(agent.app.request(request)),
    })

  it("H4 B2 starts a VM with no body, and reads the task it answers", async () => {
    const vm = await agent.seedVm()
    const { data, error, response } = await client().POST("/api/v1/vms/{id}/start", { params: { path: { id: vm.id } } })
    assert.equal(response.status, 202, JSON.stringify(error))
    assert.equal(data?.task.operation, "vm.start")
    const task = await agent.settle(data?.task.id ?? "")
    assert.equal(task.state, "succeeded")
  })

  it("H4 L1 L5 lists with integer paging and typed state filters; the detail's state is one of the VM states", async () => {
    const vm = await agent.seedVm()
    const api = client()
    const page = await api.GET("/api/v1/vms", {
      params: { query: { state: ["stopped", "running"], offset: 0, limit: 500 } },
    })
    assert.equal(page.response.status, 200, JSON.stringify(page.error))
    assert.ok(page.data?.items.some((row) => row.id === vm.id))
    const detail = await api.GET("/api/v1/vms/{id}", { params: { path: { id: vm.id } } })
    const state: components["schemas"]["Vm"]["state"] | undefined = detail.data?.vm.state
    assert.equal(state, "stopped")
    assert.equal(detail.data?.runtime.state, "stopped")
  })

  it("H4 errors come back typed with their code and rule, in the client's language", async () => {
    const api = createHyperxClient({
      baseUrl: "http://agent.test",
      token: agent.tokens.owner,
      language: "zh",
      fetch: (request) => Promise.resolve(agent.app.request(request)),
    })
    const missing = await api.GET("/api/v1/vms/{id}", { params: { path: { id: "no-such-vm" } } })
    assert.equal(missing.response.status, 404)
    assert.equal(missing.error?.error.code, "not-found")
    assert.match(missing.error?.error.message ?? "", /\p{Script=Han}/u)
  })

  it("H4 what the document forbids does not compile (checked by tsc), and the server refuses it too", async () => {
    const vm = await agent.seedVm()
    const api = client()
    const refused = await api.GET("/api/v1/vms", {
      // @ts-expect-error limit is an integer 1–500, not text
      params: { query: { limit: "many" } },
    })
    assert.equal(refused.response.status, 400)
    const badState = await api.GET("/api/v1/vms", {
      // @ts-expect-error a VM state is one of the listed states
      params: { query: { state: ["runing"] } },
    })
    assert.equal(badState.response.status, 400)
    const badForce = await api.POST("/api/v1/vms/{id}/stop", {
      params: { path: { id: vm.id } },
      // @ts-expect-error force is a boolean
      body: { force: "yes" },
    })
    assert.equal(badForce.response.status, 400)
    // @ts-expect-error a VM needs a flavour and an image
    const incomplete = await api.POST("/api/v1/vms", { body: { imageId: vm.imageId } })
    assert.equal(incomplete.response.status, 400)
  })
})

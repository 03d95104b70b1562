import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { storeBackend } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"

interface Operation {
  readonly operationId?: string
  readonly parameters?: ReadonlyArray<{ readonly in: string; readonly name: string; readonly schema?: unknown }>
  readonly requestBody?: { readonly required?: boolean; readonly content: Record<string, { readonly schema: unknown }> }
  readonly responses: Record<string, { readonly content?: Record<string, { readonly schema: unknown }> }>
}
type Document = {
  readonly openapi: string
  readonly servers?: ReadonlyArray<{ readonly url: string }>
  readonly paths: Record<string, Record<string, Operation>>
  readonly components: {
    readonly schemas: Record<string, { readonly required?: ReadonlyArray<string>; readonly properties?: object }>
  }
}

const backend = storeBackend

describe("OpenAPI document", () => {
  const agent = useAgent(backend)
  const document = async () => (await agent.call<Document>("GET", "/api/v1/openapi.json", { as: null })).body

  it("H4 every route of the app is in the document with its methods, and the document has nothing else", async () => {
    const fromApp = new Set(
      agent.app.routes
        .filter((route) => route.method !== "ALL")
        .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`),
    )
    const doc = await document()
    assert.equal(doc.openapi, "3.1.0")
    const fromDoc = new Set(
      Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    )
    assert.deepEqual([...fromApp].sort(), [...fromDoc].sort())
    assert.ok(fromApp.size >= 20, `${fromApp.size} routes`)
  })

  it("H4 requests are described by the schemas that validate them; every error answers the error body", async () => {
    const doc = await document()
    const create = doc.paths["/api/v1/vms"]?.post
    const createSchema = create?.requestBody?.content["application/json"]?.schema as { $ref?: string }
    assert.equal(createSchema.$ref, "#/components/schemas/VmCreate")
    assert.deepEqual([...(doc.components.schemas.VmCreate?.required ?? [])].sort(), ["flavorId", "imageId"])
    const listParams = (doc.paths["/api/v1/vms"]?.get?.parameters ?? []).map((p) => `${p.in}:${p.name}`)
    for (const name of ["search", "state", "tag", "columns", "sort", "order", "offset", "limit", "view"]) {
      assert.ok(listParams.includes(`query:${name}`), name)
    }
    assert.ok((doc.paths["/api/v1/vms/{id}"]?.get?.parameters ?? []).some((p) => p.in === "path" && p.name === "id"))
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (Number(status) < 400) continue
          const schema = response.content?.["application/json"]?.schema as { $ref?: string }
          assert.equal(schema?.$ref, "#/components/schemas/Error", `${method} ${path} ${status}`)
        }
      }
    }
  })

  it("H4 #21 bodies the server does not need are optional; bodies with required fields stay required", async () => {
    const doc = await document()
    const required = (path: string, method: string) => doc.paths[path]?.[method]?.requestBody?.required
    for (const action of ["start", "stop", "reboot"])
      assert.equal(required(`/api/v1/vms/{id}/${action}`, "post"), false)
    assert.equal(required("/api/v1/vms/{id}/disks/{diskId}/backups", "post"), false)
    assert.equal(required("/api/v1/vms", "post"), true)
    assert.equal(required("/api/v1/vms/{id}/resize", "post"), true)
  })

  it("H4 #21 paging is integer with its range, filters list their enums, counts their range", async () => {
    const doc = await document()
    const param = (path: string, name: string) =>
      doc.paths[path]?.get?.parameters?.find((p) => p.in === "query" && p.name === name)?.schema
    assert.deepEqual(param("/api/v1/vms", "offset"), { type: "integer", minimum: 0, maximum: 10_000_000 })
    assert.deepEqual(param("/api/v1/vms", "limit"), { type: "integer", minimum: 1, maximum: 500 })
    assert.deepEqual(param("/api/v1/tasks", "limit"), { type: "integer", minimum: 1, maximum: 500 })
    const states = param("/api/v1/vms", "state") as { type: string; items: { enum: ReadonlyArray<string> } }
    assert.equal(states.type, "array")
    assert.ok(states.items.enum.includes("running") && states.items.enum.includes("stopped"))
    assert.deepEqual(param("/api/v1/flavors", "retired"), { type: "boolean" })
    const count = doc.components.schemas.VmCreate?.properties as Record<string, unknown>
    assert.deepEqual(count.count, { type: "integer", minimum: 1, maximum: 10, default: 1 })
  })

  it("H4 #21 operation ids are readable and unique; the document names its server", async () => {
    const doc = await document()
    const ids = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((o) => o.operationId ?? ""))
    assert.equal(new Set(ids).size, ids.length)
    for (const id of ids) assert.match(id, /^[a-z]+(?:[A-Z][a-z0-9]*)*$/)
    assert.equal(doc.paths["/api/v1/vms"]?.get?.operationId, "listVms")
    assert.equal(doc.paths["/api/v1/vms/{id}"]?.get?.operationId, "getVm")
    assert.equal(doc.paths["/api/v1/vms/{id}/start"]?.post?.operationId, "startVm")
    assert.equal(doc.paths["/api/v1/vms/{id}/disks/{diskId}/backups"]?.post?.operationId, "createVmDiskBackup")
    assert.ok((doc.servers ?? []).length > 0)
  })
})

import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { storeBackend } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"

interface Operation {
  readonly parameters?: ReadonlyArray<{ readonly in: string; readonly name: string }>
  readonly requestBody?: { readonly content: Record<string, { readonly schema: unknown }> }
  readonly responses: Record<string, { readonly content?: Record<string, { readonly schema: unknown }> }>
}
type Document = {
  readonly openapi: string
  readonly paths: Record<string, Record<string, Operation>>
  readonly components: { readonly schemas: Record<string, { readonly required?: ReadonlyArray<string> }> }
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
})

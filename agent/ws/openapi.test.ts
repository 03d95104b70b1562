import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { storeBackend } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"
import { webSocketRoutes } from "./index.ts"

const backend = storeBackend

describe("OpenAPI document with the WebSocket routes", () => {
  const routes = webSocketRoutes({ publicUrl: () => "http://127.0.0.1:8080" })
  const agent = useAgent(backend, {
    publicRoutes: routes.publicRoutes,
    authenticatedRoutes: routes.authenticatedRoutes,
  })

  it("H4 every route, the WebSockets and the console ticket included, is documented; the sockets need no bearer", async () => {
    type Operation = { security?: unknown; parameters?: Array<{ in: string; name: string }> }
    const doc = (await agent.call("GET", "/api/v1/openapi.json", { as: null })).body as {
      paths: Record<string, Record<string, Operation>>
    }
    const fromApp = new Set(
      agent.app.routes
        .filter((route) => route.method !== "ALL")
        .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`),
    )
    const fromDoc = new Set(
      Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    )
    assert.deepEqual([...fromApp].sort(), [...fromDoc].sort())
    for (const route of ["GET /api/v1/events", "GET /api/v1/console/{ticket}", "POST /api/v1/vms/{id}/console"]) {
      assert.ok(fromDoc.has(route), route)
    }
    assert.deepEqual(doc.paths["/api/v1/events"]?.get?.security, [])
    assert.deepEqual(doc.paths["/api/v1/console/{ticket}"]?.get?.security, [])
    assert.equal(doc.paths["/api/v1/vms/{id}/console"]?.post?.security, undefined)
    const eventParams = (doc.paths["/api/v1/events"]?.get?.parameters ?? []).map((p) => `${p.in}:${p.name}`)
    assert.deepEqual(eventParams.sort(), ["query:lang", "query:since", "query:vmId"])
  })
})

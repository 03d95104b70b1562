import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { describe, it } from "node:test"
import { storeBackend } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"

const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  readonly version: string
}
const newestMigration = readFileSync(new URL("../../core/store/migrations/index.ts", import.meta.url), "utf8")
  .match(/"\d{4}_\d{2}_\d{2}_\d{4}_\w+"/g)
  ?.map((name) => name.slice(1, -1))
  .sort()
  .at(-1)

describe("versions (#22)", () => {
  const agent = useAgent(storeBackend)

  it("GET /api/v1/version names the agent, API, database schema and driver versions", async () => {
    const reply = await agent.call<{
      agent: string
      api: string
      schema: string
      drivers: ReadonlyArray<{ name: string; version: string }>
    }>("GET", "/api/v1/version")
    assert.equal(reply.status, 200)
    assert.equal(reply.body.agent, manifest.version)
    assert.equal(reply.body.api, "1")
    assert.equal(reply.body.schema, newestMigration)
    assert.ok(reply.body.drivers.length >= 1)
    for (const driver of reply.body.drivers) assert.ok(driver.name !== "" && driver.version !== "", driver.name)
  })

  it("needs a token, like the rest of the API", async () => {
    assert.equal((await agent.call("GET", "/api/v1/version", { as: null })).status, 401)
  })

  it("the OpenAPI document carries the agent's version", async () => {
    const reply = await agent.call<{ info: { version: string } }>("GET", "/api/v1/openapi.json", { as: null })
    assert.equal(reply.body.info.version, manifest.version)
  })
})

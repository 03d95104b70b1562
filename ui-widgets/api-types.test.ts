import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { describe, it } from "node:test"
import { apiTypesFile, clientTypesFile, generateApiTypes, generateClientTypes } from "./api-types.ts"

describe("the widgets' API types (#12)", () => {
  it("src/api/openapi.ts is what openapi-typescript makes of the agent's OpenAPI document now", async () => {
    const current = readFileSync(apiTypesFile, "utf8")
    assert.ok(current === (await generateApiTypes()), "stale: run `npm run api-types` and commit the result")
  })

  it("agent/client/openapi.ts (the typed client's paths, #21) is current too", async () => {
    const current = readFileSync(clientTypesFile, "utf8")
    assert.ok(current === (await generateClientTypes()), "stale: run `npm run api-types` and commit the result")
  })
})

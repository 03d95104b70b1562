import assert from "node:assert/strict"
import { afterEach, describe, it } from "node:test"
import { ApiClient, ApiError, apiRoot, fileNameOf, queryString } from "./client.ts"

describe("the API client", () => {
  const realFetch = globalThis.fetch
  afterEach(() => {
    globalThis.fetch = realFetch
  })

  it("api-base may be the agent's URL or its API root", () => {
    assert.equal(apiRoot("https://agent:8080"), "https://agent:8080/api/v1")
    assert.equal(apiRoot("https://proxy/hx/api/v1/"), "https://proxy/hx/api/v1")
  })

  it("query strings skip empty values and join lists with commas", () => {
    assert.equal(
      queryString({ search: "", state: ["running", "stopped"], limit: 20, view: undefined }),
      "?state=running%2Cstopped&limit=20",
    )
    assert.equal(queryString({}), "")
  })

  it("L6 the localised file name of Content-Disposition wins", () => {
    const header = `attachment; filename="vms-2027-01-31.xlsx"; filename*=UTF-8''%E8%99%9A%E6%8B%9F%E6%9C%BA-2027-01-31.xlsx`
    assert.equal(fileNameOf(header, "x.xlsx"), "虚拟机-2027-01-31.xlsx")
    assert.equal(fileNameOf('attachment; filename="vms.xlsx"', "x.xlsx"), "vms.xlsx")
    assert.equal(fileNameOf(null, "x.xlsx"), "x.xlsx")
  })

  it("WebSocket URLs keep a proxy's prefix for paths the API hands out", () => {
    const client = new ApiClient({ base: "https://proxy/hx", token: "t", locale: "en" })
    assert.equal(client.socketUrl("/events", { token: "hx_1" }), "wss://proxy/hx/api/v1/events?token=hx_1")
    assert.equal(client.socketUrl("/api/v1/console/abc"), "wss://proxy/hx/api/v1/console/abc")
    assert.equal(client.socketUrl("ws://agent:8080/api/v1/console/abc"), "ws://agent:8080/api/v1/console/abc")
  })

  it("sends the token and language; an error body becomes an ApiError with code, rule and message", async () => {
    let seen: RequestInit | undefined
    globalThis.fetch = async (_url, init) => {
      seen = init
      return new Response(
        JSON.stringify({ error: { code: "conflict", rule: "lifecycle-state", message: "虚拟机已关机" } }),
        {
          status: 409,
        },
      )
    }
    const client = new ApiClient({ base: "http://agent", token: "hx_secret", locale: "zh-CN" })
    const error = await client.post("/vms/1/stop", {}).catch((e: unknown) => e)
    assert.ok(error instanceof ApiError)
    assert.deepEqual(
      [error.status, error.code, error.rule, error.message],
      [409, "conflict", "lifecycle-state", "虚拟机已关机"],
    )
    const headers = seen?.headers as Record<string, string>
    assert.equal(headers.Authorization, "Bearer hx_secret")
    assert.equal(headers["Accept-Language"], "zh-CN")
    globalThis.fetch = async () => {
      throw new TypeError("fetch failed")
    }
    const offline = await client.get("/vms").catch((e: unknown) => e)
    assert.ok(offline instanceof ApiError && offline.code === "network" && offline.status === 0)
  })
})

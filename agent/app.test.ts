import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { storeBackends } from "../core/store/testing.ts"
import { createApp } from "./app.ts"
import { langOfAcceptLanguage } from "./middleware/language.ts"
import { useAgent } from "./testing/harness.ts"

describe("language (Accept-Language)", () => {
  it("zh, zh-CN, zh-Hans and zh-TW answer in Chinese; en-US and unknown tags in English; q-values rank", () => {
    for (const header of ["zh", "zh-CN", "zh-Hans", "zh-TW", "zh-CN,zh;q=0.9,en;q=0.8", "fr, zh;q=0.5"]) {
      assert.equal(langOfAcceptLanguage(header), "zh", header)
    }
    for (const header of [undefined, "", "en-US", "fr", "en;q=0.9, zh;q=0.1", "zh;q=0, en", "*"]) {
      assert.equal(langOfAcceptLanguage(header), "en", String(header))
    }
  })
})

for (const backend of storeBackends) {
  describe(`API basics on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)

    it("G1 no token, a malformed one, an unknown one: 401 JSON with WWW-Authenticate", async () => {
      for (const authorization of [undefined, "", "Bearer", "Basic abc", "Bearer hx_unknown", "Bearer x y"]) {
        const reply = await agent.call("GET", "/api/v1/vms", {
          as: null,
          ...(authorization === undefined ? {} : { authorization }),
        })
        assert.equal(reply.status, 401, String(authorization))
        assert.equal(reply.body.error.code, "unauthenticated")
        assert.match(reply.response.headers.get("WWW-Authenticate") ?? "", /^Bearer/)
      }
      const zh = await agent.call("GET", "/api/v1/vms", { as: null, lang: "zh-CN" })
      assert.match(zh.body.error.message, /令牌/)
    })

    it("errors come in the caller's language: zh, zh-CN, zh-Hans or ?lang=zh → Chinese; else English", async () => {
      const path = "/api/v1/vms/no-such-vm"
      for (const lang of ["zh", "zh-CN", "zh-Hans"]) {
        const reply = await agent.call("GET", path, { lang })
        assert.equal(reply.status, 404)
        assert.deepEqual(reply.body, { error: { code: "not-found", message: "未找到虚拟机 no-such-vm" } })
      }
      assert.equal((await agent.call("GET", `${path}?lang=zh`)).body.error.message, "未找到虚拟机 no-such-vm")
      assert.equal((await agent.call("GET", path, { lang: "en-US" })).body.error.message, "VM no-such-vm was not found")
    })

    it("unknown routes are 404 JSON; a known path with another method is 405 with Allow", async () => {
      const unknown = await agent.call("GET", "/api/v1/no-such-resource")
      assert.equal(unknown.status, 404)
      assert.equal(unknown.body.error.code, "route-not-found")
      const outside = await agent.call("GET", "/elsewhere", { as: null })
      assert.equal(outside.status, 404)
      assert.equal(outside.body.error.code, "route-not-found")
      const vm = await agent.seedVm()
      const wrong = await agent.call("PUT", `/api/v1/vms/${vm.id}`)
      assert.equal(wrong.status, 405)
      assert.equal(wrong.body.error.code, "method-not-allowed")
      assert.deepEqual(wrong.response.headers.get("Allow")?.split(", ").sort(), ["DELETE", "GET", "PATCH"])
      const getOnPost = await agent.call("GET", `/api/v1/vms/${vm.id}/start`)
      assert.equal(getOnPost.status, 405)
      assert.equal(getOnPost.response.headers.get("Allow"), "POST")
    })

    it("broken JSON is 400, a body that is not JSON is 415, an oversized body is 413: all JSON errors", async () => {
      const broken = await agent.call("POST", "/api/v1/batch", { rawBody: '{"action": "start", ' })
      assert.equal(broken.status, 400)
      assert.equal(broken.body.error.code, "malformed-json")
      const text = await agent.call("POST", "/api/v1/batch", {
        rawBody: "action=start",
        headers: { "Content-Type": "text/plain" },
      })
      assert.equal(text.status, 415)
      assert.equal(text.body.error.code, "unsupported-media-type")
      const huge = await agent.call("POST", "/api/v1/batch", { rawBody: JSON.stringify({ action: "x".repeat(2e6) }) })
      assert.equal(huge.status, 413)
      assert.equal(huge.body.error.code, "payload-too-large")
      const zh = await agent.call("POST", "/api/v1/batch", { rawBody: "[", lang: "zh" })
      assert.equal(zh.body.error.message, "请求体不是有效的 JSON")
    })

    it("an empty body labelled JSON is no options, as an unlabelled one is: actions run, required fields are named", async () => {
      const vm = await agent.seedVm()
      for (const rawBody of ["", " \n"]) {
        const start = await agent.call("POST", `/api/v1/vms/${vm.id}/start`, { rawBody })
        assert.equal(start.status, 202, JSON.stringify(start.body))
        await agent.settle(start.body.task.id)
        const stop = await agent.call("POST", `/api/v1/vms/${vm.id}/stop`, {
          rawBody,
          headers: { "Content-Type": "application/json" },
        })
        assert.equal(stop.status, 202, JSON.stringify(stop.body))
        await agent.settle(stop.body.task.id)
      }
      const batch = await agent.call("POST", "/api/v1/batch", { rawBody: "" })
      assert.equal(batch.status, 400)
      assert.match(batch.body.error.message, /body\.action/)
    })

    it("input that does not match its schema is 400 with a message naming each field, in Chinese on request", async () => {
      const reply = await agent.call("POST", "/api/v1/batch", { body: { action: 5, vmIds: "all", extra: true } })
      assert.equal(reply.status, 400)
      assert.equal(reply.body.error.code, "invalid-input")
      assert.match(reply.body.error.message, /body\.action: Expected string/)
      assert.match(reply.body.error.message, /body\.vmIds: Expected array/)
      assert.match(reply.body.error.message, /body\.extra: Expected no excess property/)
      const zh = await agent.call("POST", "/api/v1/batch", { body: { vmIds: [] }, lang: "zh" })
      assert.equal(zh.body.error.message, "请求参数无效：请求体.action: 缺少必填字段")
      const badId = await agent.call("GET", "/api/v1/vms/has%20space")
      assert.equal(badId.status, 400)
      assert.match(badId.body.error.message, /path\.id: Expected an id/)
    })

    it("a defect is a generic 500 that is logged and reveals nothing", async () => {
      const logged: Array<unknown> = []
      const app = createApp({
        runtime: agent.runtime,
        logError: (_message, error) => logged.push(error),
        authenticatedRoutes: [
          (api) =>
            api.get("/boom", () => {
              throw new Error("secret detail")
            }),
        ],
      })
      const response = await app.request("/api/v1/boom", { headers: { Authorization: "Bearer nope" } })
      assert.equal(response.status, 401, "registered routes sit behind the token check")
      const ok = await app.request("/api/v1/boom", { headers: { Authorization: `Bearer ${agent.tokens.owner}` } })
      assert.equal(ok.status, 500)
      const body = (await ok.json()) as { error: { code: string; message: string } }
      assert.equal(body.error.code, "internal")
      assert.doesNotMatch(body.error.message, /secret/)
      assert.equal(logged.length, 1)
    })

    it("public routes registered through the seam need no token (WebSocket endpoints authenticate themselves)", async () => {
      const app = createApp({
        runtime: agent.runtime,
        publicRoutes: [(api) => api.get("/events-probe", (c) => c.json({ lang: c.var.lang }))],
      })
      const response = await app.request("/api/v1/events-probe", { headers: { "Accept-Language": "zh" } })
      assert.equal(response.status, 200)
      assert.deepEqual(await response.json(), { lang: "zh" })
    })

    it("CORS: a configured portal origin gets the headers and its preflight succeeds; others and the default get none", async () => {
      const app = createApp({ runtime: agent.runtime, cors: { origins: ["https://portal.example"] } })
      const preflight = await app.request("/api/v1/vms", {
        method: "OPTIONS",
        headers: {
          Origin: "https://portal.example",
          "Access-Control-Request-Method": "GET",
          "Access-Control-Request-Headers": "authorization",
        },
      })
      assert.equal(preflight.status, 204)
      assert.equal(preflight.headers.get("Access-Control-Allow-Origin"), "https://portal.example")
      assert.match(preflight.headers.get("Access-Control-Allow-Headers") ?? "", /Authorization/)
      const denied = await app.request("/api/v1/vms", { headers: { Origin: "https://evil.example" } })
      assert.equal(denied.headers.get("Access-Control-Allow-Origin"), null)
      const byDefault = await agent.request("GET", "/api/v1/vms", { headers: { Origin: "https://portal.example" } })
      assert.equal(byDefault.headers.get("Access-Control-Allow-Origin"), null)
    })

    it("the OpenAPI document needs no token", async () => {
      const reply = await agent.call("GET", "/api/v1/openapi.json", { as: null })
      assert.equal(reply.status, 200)
      assert.equal(reply.body.openapi, "3.1.0")
    })
  })
}

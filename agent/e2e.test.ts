import assert from "node:assert/strict"
import { type AddressInfo, connect } from "node:net"
import { after, before, describe, it } from "node:test"
import { serve } from "@hono/node-server"
import { readSheet } from "read-excel-file/node"
import { storeBackends } from "../core/store/testing.ts"
import { useAgent } from "./testing/harness.ts"
import { rawRequest } from "./testing/raw-http.ts"

/** The API over a real socket: what a portal or the CLI sees, headers and bytes included. */
for (const backend of storeBackends) {
  describe(`the API over HTTP on ${backend.name}`, { skip: backend.skip }, () => {
    const logged: Array<{ readonly message: string; readonly error: unknown }> = []
    const agent = useAgent(backend, {
      bodyLimitBytes: 4096,
      cors: { origins: ["https://portal.example"] },
      logError: (message, error) => logged.push({ message, error }),
    })
    let server: ReturnType<typeof serve> | undefined
    let base = ""
    before(async () => {
      await new Promise<void>((resolve) => {
        server = serve({ fetch: agent.app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
          base = `http://127.0.0.1:${info.port}`
          resolve()
        })
      })
    })
    after(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())))
    const http = (path: string, init: RequestInit & { token?: string } = {}) =>
      fetch(`${base}${path}`, {
        ...init,
        headers: { Authorization: `Bearer ${init.token ?? agent.tokens.owner}`, ...init.headers },
      })
    const waitFor = async (taskId: string) => {
      for (let i = 0; i < 2000; i++) {
        const task = (await (await http(`/api/v1/tasks/${taskId}`)).json()) as { state: string }
        if (task.state === "succeeded" || task.state === "failed") return task
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      throw new Error("task did not finish")
    }

    it("C1 B1 D2 create a VM, follow its task, see it running, stop it: all over the wire", async () => {
      const created = await http("/api/v1/vms", {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: "https://portal.example" },
        body: JSON.stringify({ imageId: agent.world.image.id, flavorId: agent.world.flavor.id, name: "wire_vm" }),
      })
      assert.equal(created.status, 202)
      assert.equal(created.headers.get("Access-Control-Allow-Origin"), "https://portal.example")
      const { vmIds, tasks } = (await created.json()) as { vmIds: Array<string>; tasks: Array<{ id: string }> }
      assert.equal((await waitFor(tasks[0]?.id ?? "")).state, "succeeded")
      const detail = (await (await http(`/api/v1/vms/${vmIds[0]}`)).json()) as { runtime: { state: string } }
      assert.equal(detail.runtime.state, "running")
      const stop = await http(`/api/v1/vms/${vmIds[0]}/stop`, { method: "POST" })
      assert.equal(stop.status, 202)
      const { task } = (await stop.json()) as { task: { id: string } }
      assert.equal((await waitFor(task.id)).state, "succeeded")
      await agent.settle(task.id)
      const again = await http(`/api/v1/vms/${vmIds[0]}/stop`, { method: "POST", headers: { "Accept-Language": "zh" } })
      assert.equal(again.status, 409)
      assert.deepEqual(((await again.json()) as { error: { rule: string } }).error.rule, "lifecycle-state")
    })

    it("errors cross the wire as JSON: 401, 404, 405, 413 by Content-Length", async () => {
      const noToken = await fetch(`${base}/api/v1/vms`)
      assert.equal(noToken.status, 401)
      assert.match(noToken.headers.get("Content-Type") ?? "", /^application\/json/)
      const missing = await http("/api/v1/vms/not-there", { headers: { "Accept-Language": "zh-CN" } })
      assert.deepEqual(await missing.json(), { error: { code: "not-found", message: "未找到虚拟机 not-there" } })
      const wrong = await http("/api/v1/batch", { method: "GET" })
      assert.equal(wrong.status, 405)
      const big = await http("/api/v1/batch", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ action: "start", vmIds: [], pad: "x".repeat(10_000) }),
      })
      assert.equal(big.status, 413)
      assert.equal(((await big.json()) as { error: { code: string } }).error.code, "payload-too-large")
    })

    it("a 413 on a keep-alive connection says Connection: close, and the next request still gets its answer", async () => {
      // What a portal's fetch does: an over-size POST, then an unrelated GET. Before, the 413 promised keep-alive and
      // the socket was dropped under the next request (ECONNRESET).
      for (let round = 0; round < 5; round++) {
        const big = await http("/api/v1/batch", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ action: "start", vmIds: [], pad: "x".repeat(2_000_000) }),
        })
        assert.equal(big.status, 413)
        assert.equal(big.headers.get("Connection"), "close")
        await big.json()
        assert.equal((await http("/api/v1/vms?limit=1")).status, 200)
      }
      // The same on one raw socket: the 413 arrives whole, then the agent closes the connection with no reset.
      const port = Number(new URL(base).port)
      const received = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, "127.0.0.1")
        let text = ""
        socket.setEncoding("latin1")
        socket.on("data", (chunk: string) => {
          text += chunk
        })
        socket.on("error", reject)
        socket.on("close", () => resolve(text))
        const body = "x".repeat(300_000)
        socket.write(
          `POST /api/v1/batch HTTP/1.1\r\nHost: agent\r\nAuthorization: Bearer ${agent.tokens.owner}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        )
        socket.write(
          `GET /api/v1/vms?limit=1 HTTP/1.1\r\nHost: agent\r\nAuthorization: Bearer ${agent.tokens.owner}\r\n\r\n`,
        )
      })
      assert.match(received, /^HTTP\/1\.1 413 /)
      assert.match(received, /\r\nConnection: close\r\n/i)
      assert.match(received, /"payload-too-large"/)
    })

    it("a request its client abandons mid-body is logged as one line, without a stack", async () => {
      const port = Number(new URL(base).port)
      const before = logged.length
      await new Promise<void>((resolve) => {
        const socket = connect(port, "127.0.0.1", () => {
          socket.write(
            `POST /api/v1/vms/${agent.world.flavor.id}/stop HTTP/1.1\r\nHost: agent\r\n` +
              `Authorization: Bearer ${agent.tokens.owner}\r\nContent-Type: text/plain\r\n` +
              "Content-Length: 1000\r\n\r\nforce=",
          )
          setTimeout(() => socket.destroy(), 100)
        })
        socket.on("close", () => resolve())
      })
      for (let i = 0; i < 500 && logged.length === before; i++) await new Promise((resolve) => setTimeout(resolve, 10))
      const lines = logged.slice(before)
      assert.equal(lines.length, 1, "the abandoned request is logged")
      assert.equal(lines[0]?.error, undefined)
      assert.match(
        lines[0]?.message ?? "",
        /^hyperx agent: POST \/api\/v1\/vms\/\S+\/stop: the client closed the connection/,
      )
      assert.doesNotMatch(lines[0]?.message ?? "", /\n/)
    })

    it("dot segments in a path, plain or percent-encoded, are refused rather than resolved", async () => {
      const raw = (path: string) =>
        rawRequest({ base, path, headers: { Authorization: `Bearer ${agent.tokens.owner}` } })
      for (const path of [
        "/api/v1/vms/%2e%2e/tasks",
        "/api/v1/vms/%2E%2e/tasks",
        "/api/v1/vms/../tasks",
        "/api/v1/vms/%2e/x",
        "/api/v1/tasks/.%2e/vms?limit=1",
      ]) {
        const reply = await raw(path)
        assert.equal(reply.status, 400, path)
        assert.equal((JSON.parse(reply.text) as { error: { code: string } }).error.code, "invalid-path", path)
      }
      assert.equal((await raw("/api/v1/tasks?limit=1")).status, 200)
      assert.equal((await raw("/api/v1/vms/..x/tasks")).status, 404)
    })

    it("L6 the XLSX download arrives intact", async () => {
      const vm = await agent.seedVm({ displayName: "wire_export" })
      const response = await http(`/api/v1/vms/export.xlsx?search=wire_export&columns=displayName,state`)
      assert.equal(response.status, 200)
      const rows = await readSheet(Buffer.from(await response.arrayBuffer()))
      assert.deepEqual(rows.slice(0, 2), [
        ["Name", "Status"],
        [vm.displayName, "stopped"],
      ])
    })
  })
}

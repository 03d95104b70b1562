import assert from "node:assert/strict"
import { Writable } from "node:stream"
import { describe, it } from "node:test"
import { storeBackend } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"
import { pinoLoggerLayer } from "./effect-logger.ts"
import { jsonLogger } from "./logger.ts"

/** What the agent's logger wrote, one JSON object a line. */
const capture = () => {
  const lines: Array<string> = []
  const stream = new Writable({
    write: (chunk, _encoding, done) => {
      lines.push(
        ...String(chunk)
          .split("\n")
          .filter((line) => line !== ""),
      )
      done()
    },
  })
  // biome-ignore lint/suspicious/noExplicitAny: log lines are read loosely, as a log shipper would
  return { stream, lines, records: (): Array<any> => lines.map((line) => JSON.parse(line)) }
}

describe("the agent's logs (#21)", () => {
  const out = capture()
  const logger = jsonLogger("info", out.stream)
  const agent = useAgent(storeBackend, { logger, logging: pinoLoggerLayer(logger) })

  it("a request log line per request: method, route pattern, status, duration, user id; never the token", async () => {
    const vm = await agent.seedVm()
    const reply = await agent.call("GET", `/api/v1/vms/${vm.id}?lang=en`)
    assert.equal(reply.status, 200)
    const line = out.records().find((r) => r.msg === "request" && r.route === "/api/v1/vms/:id")
    assert.ok(line, out.lines.join("\n"))
    assert.equal(line.method, "GET")
    assert.equal(line.status, 200)
    assert.equal(line.userId, agent.users.owner.id)
    assert.equal(typeof line.durationMs, "number")
    assert.equal(line.level, 30)
    assert.ok(!out.lines.join("\n").includes(agent.tokens.owner), "no token in the log")
    assert.ok(!out.lines.join("\n").includes(vm.id), "no id or query string in the route")
  })

  it("a failed task is logged at error level with its operation, VM, user, code and cause; no params", async () => {
    const vm = await agent.seedVm()
    await agent.run(agent.fake.faults.failNext("start", 1))
    const reply = await agent.call("POST", `/api/v1/vms/${vm.id}/start`)
    assert.equal(reply.status, 202)
    const task = await agent.settle(reply.body.task.id)
    assert.equal(task.state, "failed")
    const line = out.records().find((r) => r.taskId === task.id)
    assert.ok(line, out.lines.join("\n"))
    assert.equal(line.level, 50)
    assert.deepEqual([line.operation, line.vmId, line.userId], ["vm.start", vm.id, agent.users.owner.id])
    assert.equal(line.code, task.error?.code)
    assert.match(line.msg, /^task vm\.start failed: /)
    assert.equal(typeof line.err, "string")
  })

  it("an unknown route is logged with its status (4xx at info; 5xx go at error level)", async () => {
    const before = out.records().length
    const reply = await agent.call("GET", "/api/v1/nope")
    assert.equal(reply.status, 404)
    const line = out
      .records()
      .slice(before)
      .find((r) => r.msg === "request")
    assert.equal(line?.status, 404)
    assert.equal(line?.level, 30)
  })
})

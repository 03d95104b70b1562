import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { storeBackend } from "../../core/store/testing.ts"
import { rawRequest } from "../testing/raw-http.ts"
import { connect, useServedAgent } from "./testing.ts"

const backend = storeBackend

describe("console tickets and the console WebSocket (fake driver)", () => {
  const served = useServedAgent(backend)
  const { agent } = served
  const act = async (vmId: string, action: "start" | "stop") => {
    const reply = await agent.call("POST", `/api/v1/vms/${vmId}/${action}`)
    assert.equal(reply.status, 202, JSON.stringify(reply.body))
    return agent.settle(reply.body.task.id)
  }
  const runningVm = async () => {
    const vm = await agent.seedVm()
    await act(vm.id, "start")
    return vm
  }
  /** Over the wire: the ticket's URL names the host and port the request came to. */
  const ticketFor = async (vmId: string, kind?: "vnc" | "serial") => {
    const authorization = { Authorization: `Bearer ${agent.tokens.owner}` }
    // No kind: no body at all, as `curl -X POST` sends it.
    const response = await fetch(`${served.base()}/api/v1/vms/${vmId}/console`, {
      method: "POST",
      ...(kind === undefined
        ? { headers: authorization }
        : { headers: { ...authorization, "Content-Type": "application/json" }, body: JSON.stringify({ kind }) }),
    })
    const body = await response.json()
    assert.equal(response.status, 201, JSON.stringify(body))
    return body as { ticket: string; url: string; path: string; kind: string; expiresAt: string }
  }

  it("B5 a VNC ticket opens the RFB stream (RFB 003.008); using the ticket again is refused with 401", async () => {
    const vm = await runningVm()
    const ticket = await ticketFor(vm.id)
    assert.equal(ticket.kind, "vnc")
    assert.equal(ticket.url, `${served.wsBase()}${ticket.path}`)
    assert.equal(ticket.path, `/api/v1/console/${ticket.ticket}`)
    // noVNC asks for the "binary" subprotocol, as websockify offers it.
    const client = await connect(ticket.url, { protocols: ["binary"] })
    assert.equal(client.socket.protocol, "binary")
    await client.until("the RFB greeting", () => client.bytes.length >= 12)
    assert.equal(client.bytes.subarray(0, 12).toString("latin1"), "RFB 003.008\n")
    // The client's bytes reach the server: the version answer gets the security types back.
    client.socket.send(Buffer.from("RFB 003.008\n"))
    await client.until("the security types", () => client.bytes.length >= 14)
    assert.deepEqual([...client.bytes.subarray(12, 14)], [1, 1])
    await assert.rejects(connect(ticket.url), /HTTP 401/)
    client.close()
  })

  it("B5 the ticket's URL is on the agent's public address, whatever Host header the request carried", async () => {
    const vm = await runningVm()
    const reply = await rawRequest({
      base: served.base(),
      method: "POST",
      path: `/api/v1/vms/${vm.id}/console`,
      headers: { Host: "attacker.example:666", Authorization: `Bearer ${agent.tokens.owner}` },
    })
    assert.equal(reply.status, 201, reply.text)
    const ticket = JSON.parse(reply.text) as { url: string; path: string }
    assert.equal(ticket.url, `${served.wsBase()}${ticket.path}`)
  })

  it("B5 a serial ticket bridges the serial port: the boot line arrives and typed text echoes", async () => {
    const vm = await runningVm()
    const client = await connect((await ticketFor(vm.id, "serial")).url)
    await client.until("the boot line", () => client.bytes.toString().includes(`hyperx-fake: ${vm.hostname} booted`))
    client.socket.send("echo hello\n")
    await client.until("the echo", () => client.bytes.toString().includes("echo hello"))
    client.close()
  })

  it("B5 two windows on one serial port share it: both see the output and each one's typing, as on one terminal", async () => {
    const vm = await runningVm()
    const first = await connect((await ticketFor(vm.id, "serial")).url)
    await first.until("the boot line", () => first.bytes.toString().includes(`hyperx-fake: ${vm.hostname} booted`))
    // The second window joins later: it is shown the recent output, then what either window types.
    const second = await connect((await ticketFor(vm.id, "serial")).url)
    await second.until("the scrollback", () => second.bytes.toString().includes(`hyperx-fake: ${vm.hostname} booted`))
    first.socket.send("from-first\n")
    await second.until("the first window's typing", () => second.bytes.toString().includes("from-first"))
    second.socket.send("from-second\n")
    await first.until("the second window's typing", () => first.bytes.toString().includes("from-second"))
    // One window closing leaves the other working.
    first.close()
    second.socket.send("still-here\n")
    await second.until("the echo after the first closed", () => second.bytes.toString().includes("still-here"))
    second.close()
    // A window opened after every other closed starts a new connection to the port.
    const third = await connect((await ticketFor(vm.id, "serial")).url)
    third.socket.send("again\n")
    await third.until("the echo", () => third.bytes.toString().includes("again"))
    third.close()
  })

  it("B5 a ticket expires after 60 s (401), and opening a console is recorded as a task", async () => {
    const vm = await runningVm()
    const ticket = await ticketFor(vm.id)
    assert.equal(Date.parse(ticket.expiresAt), served.clock.now + 60_000)
    served.clock.now += 60_000
    await assert.rejects(connect(ticket.url), /HTTP 401/)
    served.clock.now = Date.now()
    const tasks = await agent.call("GET", `/api/v1/tasks?vmId=${vm.id}`)
    const consoleTasks = tasks.body.items.filter((t: { operation: string }) => t.operation === "vm.console")
    assert.equal(consoleTasks.length, 1)
    assert.deepEqual([consoleTasks[0].state, consoleTasks[0].params], ["succeeded", { kind: "vnc" }])
  })

  it("B5 only while running: a stopped VM is 409 running-only; a VM that stopped after the ticket is 409 too", async () => {
    const stopped = await agent.seedVm()
    const refused = await agent.call("POST", `/api/v1/vms/${stopped.id}/console`, { lang: "zh" })
    assert.equal(refused.status, 409)
    assert.equal(refused.body.error.rule, "running-only")
    assert.match(refused.body.error.message, /运行/)
    const vm = await runningVm()
    const ticket = await ticketFor(vm.id, "serial")
    await act(vm.id, "stop")
    await assert.rejects(connect(ticket.url), /HTTP 409/)
  })

  it("B4 G3 a VM in the recycle bin is 409 not-recycled", async () => {
    const vm = await agent.seedVm({ recycledAt: new Date() })
    const refused = await agent.call("POST", `/api/v1/vms/${vm.id}/console`, { as: "superadmin" })
    assert.equal(refused.status, 409)
    assert.equal(refused.body.error.rule, "not-recycled")
  })

  it("G1 a VM outside the caller's scope is 404, exactly like one that does not exist", async () => {
    const vm = await runningVm()
    const outside = await agent.call("POST", `/api/v1/vms/${vm.id}/console`, { as: "outsider" })
    const missing = await agent.call("POST", "/api/v1/vms/no-such-vm/console", { as: "outsider" })
    assert.equal(outside.status, 404)
    assert.deepEqual(outside.body.error.code, missing.body.error.code)
    assert.equal((await agent.call("POST", `/api/v1/vms/${vm.id}/console`, { as: null })).status, 401)
  })

  it("bad input: an unknown kind is 400, a malformed ticket is 400, an unknown one 401, a plain GET 400", async () => {
    const vm = await runningVm()
    const bad = await agent.call("POST", `/api/v1/vms/${vm.id}/console`, { body: { kind: "rdp" } })
    assert.equal(bad.status, 400)
    await assert.rejects(connect(`${served.wsBase()}/api/v1/console/short`), /HTTP 400/)
    await assert.rejects(connect(`${served.wsBase()}/api/v1/console/${"A".repeat(43)}`), /HTTP 401/)
    const plain = await fetch(`${served.base()}/api/v1/console/${"A".repeat(43)}`)
    assert.equal(plain.status, 400)
  })

  it("the console closes when the VM's console goes away", async () => {
    const vm = await runningVm()
    const client = await connect((await ticketFor(vm.id, "serial")).url)
    await client.until("the boot line", () => client.bytes.length > 0)
    await act(vm.id, "stop")
    await client.until("the close", () => client.closed !== undefined)
    assert.equal(client.closed?.code, 1000)
  })
})

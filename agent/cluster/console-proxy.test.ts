import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { connect } from "../ws/testing.ts"
import { usePair } from "./testing.ts"

const adminUrl = process.env.TEST_DATABASE_URL ?? ""
const skip = adminUrl === "" ? "TEST_DATABASE_URL not set" : false

describe("the console of a VM on another host, through any agent (#16, B5)", { skip }, () => {
  const pairOf = usePair(adminUrl, "hx-console-proxy-")

  const ticketVia = async (origin: string, vmId: string, kind: "vnc" | "serial") => {
    const answer = await pairOf().api(origin, "POST", `/vms/${vmId}/console`, { kind })
    assert.equal(answer.status, 201, JSON.stringify(answer.body))
    return answer
  }

  it("#16 B5 the serial console of a VM on host B is read and typed into through agent A; the ticket works once", async () => {
    const pair = pairOf()
    const vmId = await pair.vmOn(pair.hostB, "console_on_b")
    const hostname = (await pair.api(pair.originA, "GET", `/vms/${vmId}`)).body.vm.hostname as string
    const answer = await ticketVia(pair.originA, vmId, "serial")
    assert.equal(answer.response.headers.get("x-hyperx-answered-by"), pair.hostB)
    // The client is sent to agent A, which relays B's console.
    assert.equal(answer.body.url, `${pair.originA.replace("http", "ws")}${answer.body.path}`)
    assert.equal(answer.body.task.operation, "vm.console")
    const client = await connect(answer.body.url)
    await client.until("B's guest boot line through A", () =>
      client.bytes.toString().includes(`hyperx-fake: ${hostname} booted`),
    )
    client.socket.send("echo through-a\n")
    await client.until("the echo", () => client.bytes.toString().includes("echo through-a"))
    client.close()
    await assert.rejects(connect(answer.body.url), /HTTP 401/)
    // A's relayed ticket is A's: B does not know it.
    await assert.rejects(connect(`${pair.originB.replace("http", "ws")}${answer.body.path}`), /HTTP 401/)
  })

  it("#16 B5 noVNC's RFB greeting comes through the relay; a VM stopped after its ticket is B's 409 on A", async () => {
    const pair = pairOf()
    const vmId = await pair.vmOn(pair.hostB, "vnc_on_b")
    const vnc = await ticketVia(pair.originA, vmId, "vnc")
    const client = await connect(vnc.body.url, { protocols: ["binary"] })
    assert.equal(client.socket.protocol, "binary")
    await client.until("the RFB greeting", () => client.bytes.length >= 12)
    assert.equal(client.bytes.subarray(0, 12).toString("latin1"), "RFB 003.008\n")
    const serial = await ticketVia(pair.originA, vmId, "serial")
    const stopped = await pair.api(pair.originA, "POST", `/vms/${vmId}/stop`, { force: true })
    assert.equal(stopped.status, 202, JSON.stringify(stopped.body))
    assert.equal(await pair.settled(stopped.body.task.id), "succeeded")
    await client.until("the relayed console to close with B's", () => client.closed !== undefined)
    await assert.rejects(connect(serial.body.url), /HTTP 409/)
  })

  it("#16 a console of a VM on the agent's own host is not relayed", async () => {
    const pair = pairOf()
    const vmId = await pair.vmOn(pair.hostA, "console_on_a")
    const answer = await ticketVia(pair.originA, vmId, "serial")
    assert.equal(answer.response.headers.get("x-hyperx-answered-by"), null)
    const client = await connect(answer.body.url)
    await client.until("the boot line", () => client.bytes.toString().includes("booted"))
    client.close()
  })
})

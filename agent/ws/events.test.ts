import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { storeBackend } from "../../core/store/testing.ts"
import { closeWebSockets } from "./index.ts"
import { connect, eventsOf, useServedAgent } from "./testing.ts"

const backend = storeBackend

describe("WS /api/v1/events", () => {
  // Pings every second: clients that answer them (every ws client does) stay; one that does not is cut.
  const served = useServedAgent(backend, { keepAliveMs: 1_000 })
  const { agent } = served
  const follow = (token: string, query = "") =>
    connect(`${served.wsBase()}/api/v1/events?${query.replace(/^&/, "")}`, {
      protocols: ["hyperx.v1", `hyperx.bearer.${token}`],
    })
  const act = async (vmId: string, action: "start" | "stop", as: "owner" | "salesUser" = "owner") => {
    const reply = await agent.call("POST", `/api/v1/vms/${vmId}/${action}`, { as })
    assert.equal(reply.status, 202, JSON.stringify(reply.body))
    return agent.settle(reply.body.task.id)
  }
  const start = (vmId: string, as: "owner" | "salesUser" = "owner") => act(vmId, "start", as)
  const salesVm = () =>
    agent.seedVm({
      displayName: "sales_vm",
      ownerId: agent.users.salesUser.id,
      departmentId: agent.users.salesUser.departmentId,
      createdBy: agent.users.salesUser.id,
    })

  it("G4 the owner follows a start: the task running then succeeded, and the state starting then running", async () => {
    const vm = await agent.seedVm()
    const client = await follow(agent.tokens.owner)
    const task = await start(vm.id)
    await client.until("the task to succeed", () =>
      eventsOf(client).some((e) => e._tag === "task" && e.task.id === task.id && e.task.state === "succeeded"),
    )
    const mine = eventsOf(client).filter((e) => (e._tag === "task" ? e.task.vmId : e.vmId) === vm.id)
    const states = mine.filter((e) => e._tag === "vm-state").map((e) => `${e.from}->${e.to}`)
    assert.deepEqual(states, ["stopped->starting", "starting->running"])
    const taskStates = mine.filter((e) => e._tag === "task").map((e) => e.task.state)
    assert.equal(taskStates[0], "running")
    assert.equal(taskStates.at(-1), "succeeded")
    assert.ok(typeof mine[0].at === "string" && !Number.isNaN(Date.parse(mine[0].at)), "dates are ISO strings")
    client.close()
  })

  it("G1 users of department B never receive department A's events; their own arrive", async () => {
    const opsVm = await agent.seedVm({ displayName: "ops_vm" })
    const sales = await salesVm()
    const outsider = await follow(agent.tokens.outsider)
    const salesUser = await follow(agent.tokens.salesUser)
    const admin = await follow(agent.tokens.admin)
    // Ops, sales, ops, sales: each subscriber gets events in the order they were published, so once a client has
    // its own department's last event, anything of the other department would have arrived before it.
    await start(opsVm.id)
    await start(sales.id, "salesUser")
    await act(opsVm.id, "stop")
    await act(sales.id, "stop", "salesUser")
    const about = (vmId: string) => (e: { _tag: string; vmId?: string; task?: { vmId: string } }) =>
      (e._tag === "task" ? e.task?.vmId : e.vmId) === vmId
    const stoppedEvent = (vmId: string) => (e: { _tag: string; vmId?: string; to?: string }) =>
      e._tag === "vm-state" && e.vmId === vmId && e.to === "stopped"
    for (const client of [outsider, salesUser]) {
      await client.until("the sales VM stopped", () => eventsOf(client).some(stoppedEvent(sales.id)))
      assert.deepEqual(eventsOf(client).filter(about(opsVm.id)), [])
    }
    await admin.until("the ops VM stopped", () => eventsOf(admin).some(stoppedEvent(opsVm.id)))
    assert.ok(eventsOf(admin).filter(about(opsVm.id)).length >= 6, "the ops admin follows the ops VM")
    assert.deepEqual(eventsOf(admin).filter(about(sales.id)), [])
    for (const client of [outsider, salesUser, admin]) client.close()
  })

  it("G4 ?vmId= narrows the stream to one VM; the Authorization header works as well as the subprotocol", async () => {
    const [one, other] = [await agent.seedVm({ displayName: "one_vm" }), await agent.seedVm({ displayName: "two_vm" })]
    const client = await connect(`${served.wsBase()}/api/v1/events?vmId=${one.id}`, {
      headers: { Authorization: `Bearer ${agent.tokens.owner}` },
    })
    await start(other.id)
    await start(one.id)
    await client.until("the VM running", () =>
      eventsOf(client).some((e) => e._tag === "vm-state" && e.to === "running"),
    )
    const vmIds = new Set(eventsOf(client).map((e) => (e._tag === "task" ? e.task.vmId : e.vmId)))
    assert.deepEqual([...vmIds], [one.id])
    client.close()
  })

  it("G1 no token, a wrong token or a bad parameter is refused at the handshake; a plain GET is 400", async () => {
    await assert.rejects(connect(`${served.wsBase()}/api/v1/events`), /HTTP 401/)
    await assert.rejects(follow("hx_nope"), /HTTP 401/)
    // #21: a token in the URL is no longer read (proxies log URLs): refused, not accepted.
    await assert.rejects(connect(`${served.wsBase()}/api/v1/events?token=${agent.tokens.owner}`), /HTTP 400/)
    await assert.rejects(follow(agent.tokens.owner, "&vmId=a/b"), /HTTP 400/)
    await assert.rejects(follow(agent.tokens.owner, "&extra=1"), /HTTP 400/)
    const plain = await fetch(`${served.base()}/api/v1/events`, {
      headers: { Authorization: `Bearer ${agent.tokens.owner}` },
    })
    assert.equal(plain.status, 400)
    assert.equal(((await plain.json()) as { error: { code: string } }).error.code, "websocket-required")
  })

  it("a client that stops answering pings is cut (1006); the others keep their stream", async () => {
    const silent = await connect(`${served.wsBase()}/api/v1/events`, {
      headers: { Authorization: `Bearer ${agent.tokens.owner}` },
      autoPong: false,
    })
    const lively = await follow(agent.tokens.owner)
    await silent.until("the cut", () => silent.closed !== undefined)
    assert.equal(silent.closed?.code, 1006)
    const vm = await agent.seedVm({ displayName: "after_cut" })
    await start(vm.id)
    await lively.until("the start", () => eventsOf(lively).some((e) => e._tag === "vm-state" && e.vmId === vm.id))
    assert.equal(lively.closed, undefined)
    lively.close()
  })

  it("stopping the agent closes every event stream with 1001 (going away)", async () => {
    const client = await follow(agent.tokens.owner)
    await closeWebSockets(served.wss(), 1_000)
    await client.until("the close", () => client.closed !== undefined)
    assert.equal(client.closed?.code, 1001)
  })

  it("G4 #21 the subprotocol carries the token and the server answers hyperx.v1, never the secret", async () => {
    const client = await follow(agent.tokens.owner)
    assert.equal(client.socket.protocol, "hyperx.v1")
    client.close()
  })

  it("G4 #21 each frame has an id; ?since= replays what a reconnecting client missed, once and in order", async () => {
    const vm = await agent.seedVm({ displayName: "replayed" })
    const first = await follow(agent.tokens.owner, `&vmId=${vm.id}`)
    await start(vm.id)
    await first.until("running", () => eventsOf(first).some((e) => e._tag === "vm-state" && e.to === "running"))
    const seen = eventsOf(first)
    assert.ok(seen.every((e) => typeof e.id === "string" && e.id !== ""))
    const lastSeen = seen.at(-1)?.id
    first.close()
    // Missed while away: the stop.
    await act(vm.id, "stop")
    const back = await follow(agent.tokens.owner, `&vmId=${vm.id}&since=${lastSeen}`)
    await back.until("the missed stop", () => eventsOf(back).some((e) => e._tag === "vm-state" && e.to === "stopped"))
    const replayed = eventsOf(back)
    assert.deepEqual(
      replayed.filter((e) => e._tag === "vm-state").map((e) => `${e.from}->${e.to}`),
      ["running->stopping", "stopping->stopped"],
    )
    const ids = replayed.map((e) => e.id)
    assert.equal(new Set(ids).size, ids.length, "nothing twice")
    assert.ok(!ids.includes(lastSeen), "nothing already seen")
    // And it goes on live after the replay.
    await start(vm.id)
    await back.until(
      "live again",
      () => eventsOf(back).filter((e) => e._tag === "vm-state" && e.to === "running").length === 1,
    )
    back.close()
  })

  it("G4 #21 an id the agent no longer keeps (or never gave) answers one gap frame, then the live stream", async () => {
    const client = await follow(agent.tokens.owner, "&since=0000.1")
    await client.until("the gap", () => eventsOf(client).length > 0)
    assert.deepEqual(eventsOf(client)[0], { _tag: "gap", since: "0000.1" })
    client.close()
  })
})

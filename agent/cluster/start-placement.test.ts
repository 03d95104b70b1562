import assert from "node:assert/strict"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import { type AgentPair, usePair } from "./testing.ts"

const adminUrl = process.env.TEST_DATABASE_URL ?? ""
const skip = adminUrl === "" ? "TEST_DATABASE_URL not set" : false

interface Task {
  readonly id: string
  readonly operation: string
  readonly state: string
  readonly params: { readonly from?: string; readonly to?: string | null }
}

const tasksOf = async (pair: AgentPair, vmId: string) =>
  (await pair.api(pair.originA, "GET", `/tasks?vmId=${vmId}`)).body.items as ReadonlyArray<Task>

const vmOf = async (pair: AgentPair, vmId: string) =>
  (await pair.api(pair.originA, "GET", `/vms/${vmId}`)).body.vm as { hostId: string; state: string }

const stop = async (pair: AgentPair, vmId: string) => {
  const stopped = await pair.api(pair.originA, "POST", `/vms/${vmId}/stop`, { force: true })
  assert.equal(stopped.status, 202, JSON.stringify(stopped.body))
  assert.equal(await pair.settled(stopped.body.task.id), "succeeded")
}

/** The start through agent B (the request is forwarded to the VM's host when it is A's); its task's end state. */
const start = async (pair: AgentPair, vmId: string) => {
  const started = await pair.api(pair.originB, "POST", `/vms/${vmId}/start`, {})
  return started.status === 202
    ? { status: 202, state: await pair.settled(started.body.task.id) }
    : { status: started.status, error: started.body.error as { rule: string; message: string } }
}

/** A flavor whose memory is 60% of host A's: one VM of it fits a host, two do not (memory is not overcommitted). */
const halfHost = async (pair: AgentPair) => {
  const host = (await pair.api(pair.originA, "GET", `/hosts/${pair.hostA}`)).body
  const made = await pair.api(pair.originA, "POST", "/flavors", {
    name: "most-of-a-host",
    cpus: 1,
    memoryMiB: Math.ceil(host.usage.memoryMiBTotal * 0.6),
    perDay: 0,
  })
  assert.equal(made.status, 201, JSON.stringify(made.body))
  return made.body.id as string
}

/**
 * A VM of `flavorId` on `hostId`, stopped; then, since a stopped VM holds nothing under `release`, another one of
 * that size takes its host meanwhile.
 */
const stoppedThenCrowded = async (pair: AgentPair, hostId: string, name: string, flavorId: string) => {
  const vm = await pair.vmOn(hostId, name, { flavorId })
  await stop(pair, vm)
  await pair.vmOn(hostId, `${name}_crowd`, { flavorId })
  return vm
}

describe("a stopped VM is placed again at its start when its host no longer fits it (#16, R10; shared storage)", {
  skip,
}, () => {
  const pairOf = usePair(adminUrl, "hx-start-placement-", (folder) => {
    mkdirSync(join(folder, "shared"))
    return ["--shared-storage", join(folder, "shared"), "--stopped-vms", "release"]
  })

  it("#16 R10 a stopped VM that joined an anti-affinity group starts on another host than its running member", async () => {
    const pair = pairOf()
    const first = await pair.vmOn(pair.hostA, "apart_1")
    const second = await pair.vmOn(pair.hostA, "apart_2")
    await stop(pair, first)
    await stop(pair, second)
    const group = await pair.api(pair.originA, "POST", "/affinity-groups", { name: "apart", policy: "anti-affinity" })
    assert.equal(group.status, 201, JSON.stringify(group.body))
    for (const vm of [first, second]) {
      const joined = await pair.api(pair.originA, "PUT", `/vms/${vm}/affinity-groups`, { groupIds: [group.body.id] })
      assert.equal(joined.status, 200, JSON.stringify(joined.body))
    }
    // The first starts where it is (its member is stopped: under `release` it holds nothing there).
    assert.deepEqual(await start(pair, first), { status: 202, state: "succeeded" })
    assert.deepEqual(await vmOf(pair, first), { ...(await vmOf(pair, first)), hostId: pair.hostA, state: "running" })
    // The second would sit beside it: it moves to B (a vm.relocate task) and starts there.
    assert.deepEqual(await start(pair, second), { status: 202, state: "succeeded" })
    const moved = await vmOf(pair, second)
    assert.deepEqual([moved.hostId, moved.state], [pair.hostB, "running"])
    const relocations = (await tasksOf(pair, second)).filter((t) => t.operation === "vm.relocate")
    assert.deepEqual(
      relocations.map((t) => t.params),
      [{ from: pair.hostA, to: pair.hostB }],
    )
    assert.equal((await tasksOf(pair, first)).filter((t) => t.operation === "vm.relocate").length, 0)
  })

  it("#16 under `release`, a stopped VM whose host filled up moves at its start; with no host left, no-host-capacity", async () => {
    const pair = pairOf()
    const flavorId = await halfHost(pair)
    const big = await stoppedThenCrowded(pair, pair.hostA, "big", flavorId)
    assert.deepEqual(await start(pair, big), { status: 202, state: "succeeded" })
    const moved = await vmOf(pair, big)
    assert.deepEqual([moved.hostId, moved.state], [pair.hostB, "running"])

    // Stopped again on B, B fills up too: no host has room, the start is refused and nothing changes.
    await stop(pair, big)
    await pair.vmOn(pair.hostB, "big_b", { flavorId })
    const before = await tasksOf(pair, big)
    const refused = await start(pair, big)
    assert.equal(refused.status, 409, JSON.stringify(refused))
    assert.equal(refused.error?.rule, "no-host-capacity")
    assert.match(refused.error?.message ?? "", new RegExp(`capacity: .*${pair.hostA}`))
    const after = await vmOf(pair, big)
    assert.deepEqual([after.hostId, after.state], [pair.hostB, "stopped"])
    assert.equal((await tasksOf(pair, big)).length, before.length, "a refusal records no task")
  })
})

describe("a stopped VM with a local disk whose host no longer fits it is refused, naming the rule (#16)", {
  skip,
}, () => {
  const pairOf = usePair(adminUrl, "hx-start-placement-local-", () => ["--stopped-vms", "release"])

  it("#16 no-host-capacity: its disk is in host A's local storage, so it may start on A only", async () => {
    const pair = pairOf()
    const flavorId = await halfHost(pair)
    const big = await stoppedThenCrowded(pair, pair.hostA, "local_big", flavorId)
    const refused = await start(pair, big)
    assert.equal(refused.status, 409, JSON.stringify(refused))
    assert.equal(refused.error?.rule, "no-host-capacity")
    assert.match(
      refused.error?.message ?? "",
      /fails its capacity at this start, and .* lies in that host's local storage/,
    )
    const after = await vmOf(pair, big)
    assert.deepEqual([after.hostId, after.state], [pair.hostA, "stopped"])
  })
})

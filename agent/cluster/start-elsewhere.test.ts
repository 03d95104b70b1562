import assert from "node:assert/strict"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import { killAgent, until, usePair } from "./testing.ts"

const adminUrl = process.env.TEST_DATABASE_URL ?? ""
const skip = adminUrl === "" ? "TEST_DATABASE_URL not set" : false

describe("the start of a stopped VM whose host is down (#16)", { skip }, () => {
  const pairOf = usePair(adminUrl, "hx-start-elsewhere-", (folder) => {
    mkdirSync(join(folder, "shared"))
    return ["--shared-storage", join(folder, "shared")]
  })
  /** A VM running on B when B dies, not HA: failover records it down (error) on B. */
  let downWithB = ""

  it("#16 B2 through the other agent, the VM moves to a host that is up (shared storage) and starts there, as the caller", async () => {
    const pair = pairOf()
    downWithB = await pair.vmOn(pair.hostB, "down_with_b", { haEnabled: false })
    const vmId = await pair.vmOn(pair.hostB, "moves_to_a")
    const stopped = await pair.api(pair.originA, "POST", `/vms/${vmId}/stop`, { force: true })
    assert.equal(await pair.settled(stopped.body.task.id), "succeeded")
    // R11 #16: a reset through A is done by B (the VM's host), sealed under the cluster's key: A opens it at the start
    const reset = await pair.api(pair.originA, "POST", `/vms/${vmId}/reset-password`, { password: "Secret123x" })
    assert.equal(reset.status, 200, JSON.stringify(reset.body))
    killAgent(pair.b)
    await until("host B to read down", async () => {
      const hosts = (await pair.api(pair.originA, "GET", "/hosts")).body.items as Array<{ id: string; state: string }>
      return hosts.find((h) => h.id === pair.hostB)?.state === "down" ? true : undefined
    })
    const started = await pair.api(pair.originA, "POST", `/vms/${vmId}/start`, {})
    assert.equal(started.status, 202, JSON.stringify(started.body))
    assert.equal(await pair.settled(started.body.task.id), "succeeded")
    const vm = (await pair.api(pair.originA, "GET", `/vms/${vmId}`)).body.vm
    assert.deepEqual([vm.hostId, vm.state], [pair.hostA, "running"])
    assert.equal(vm.passwordPending, false, "A opened B's seal and set the password in the guest")
    const tasks = (await pair.api(pair.originA, "GET", `/tasks?vmId=${vmId}`)).body.items as Array<{
      operation: string
      userId: string
      params: { from?: string; to?: string }
    }>
    const moved = tasks.find((t) => t.operation === "vm.relocate")
    assert.deepEqual(moved?.params, { from: pair.hostB, to: pair.hostA })
    const [start, ...more] = tasks.filter((t) => t.operation === "vm.start")
    assert.equal(more.length, 0, "started once (the create started it on B)")
    assert.equal(start?.userId, moved?.userId)
    assert.notEqual(start?.userId, "system", "moved and started as the caller")
  })

  it("#16 R12 a VM failover recorded down (error, not HA) on the dead host starts elsewhere too, by an admin", async () => {
    const pair = pairOf()
    const down = await until("the failover to record it down", async () => {
      const vm = (await pair.api(pair.originA, "GET", `/vms/${downWithB}`)).body.vm
      return vm.state === "error" ? vm : undefined
    })
    assert.equal(down.hostId, pair.hostB)
    const started = await pair.api(pair.originA, "POST", `/vms/${downWithB}/start`, {})
    assert.equal(started.status, 202, JSON.stringify(started.body))
    assert.equal(await pair.settled(started.body.task.id), "succeeded")
    const vm = (await pair.api(pair.originA, "GET", `/vms/${downWithB}`)).body.vm
    assert.deepEqual([vm.hostId, vm.state], [pair.hostA, "running"])
  })
})

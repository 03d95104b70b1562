import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import type { Host } from "../../core/model/host.ts"
import { makeClusterLink } from "./link.ts"
import { makePeers } from "./peers.ts"
import { pairSecret, usePair } from "./testing.ts"

const adminUrl = process.env.TEST_DATABASE_URL ?? ""
const skip = adminUrl === "" ? "TEST_DATABASE_URL not set" : false

describe("the leader's schedule runs on the VM's host (#16, P2)", { skip }, () => {
  const pairOf = usePair(adminUrl, "hx-schedule-runs-")

  it("#16 P2 agent A (as the leader does) has B run a schedule of B's VM: a scheduled snapshot there, once", async () => {
    const pair = pairOf()
    const vmId = await pair.vmOn(pair.hostB, "sched_b")
    const created = await pair.api(pair.originA, "POST", `/vms/${vmId}/snapshot-schedules`, {
      period: "daily",
      hour: 3,
      minute: 0,
      retention: 2,
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const hosts = (await pair.api(pair.originA, "GET", "/hosts")).body.items as ReadonlyArray<Host>
    const hostB = hosts.find((h) => h.id === pair.hostB) as Host
    // The leader's call, made here with the cluster secret as agent A would make it.
    const peers = makePeers(makeClusterLink(Buffer.from(pairSecret), pair.hostA))
    const ran = await Effect.runPromise(peers.runSchedule(hostB, created.body.schedule.id, new Date()))
    assert.deepEqual(ran.pruned, [])
    const task = (await pair.api(pair.originA, "GET", `/tasks/${ran.taskId}`)).body
    assert.deepEqual([task.operation, task.userId, task.state], ["snapshot.create", "system", "succeeded"])
    const snapshots = (await pair.api(pair.originA, "GET", `/vms/${vmId}/snapshots`)).body.items
    assert.equal(snapshots.length, 1)
    const schedules = (await pair.api(pair.originA, "GET", `/vms/${vmId}/snapshot-schedules`)).body.items
    assert.notEqual(schedules[0].lastRunAt, null, "the slot counts as run")
    // A client cannot call it: the cluster's routes answer agents only.
    const direct = await pair.api(pair.originB, "POST", `/cluster/schedules/${created.body.schedule.id}/run`, {
      at: new Date().toISOString(),
    })
    assert.equal(direct.status, 403)
  })
})

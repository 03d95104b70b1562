import assert from "node:assert/strict"
import { join } from "node:path"
import { describe, it } from "node:test"
import { connect, eventsOf } from "../ws/testing.ts"
import { killAgent, originOf, spawnAgent, usePair } from "./testing.ts"

const adminUrl = process.env.TEST_DATABASE_URL ?? ""
const skip = adminUrl === "" ? "TEST_DATABASE_URL not set" : false

/**
 * #21 G4: `/events?since=` replays from the events table: on another agent of the cluster, and on an agent that
 * restarted, with the same ids (the table's sequence). Two real agent processes on one PostgreSQL.
 */
describe("#21 G4 event replay across agents and restarts (two agents on one PostgreSQL)", { skip }, () => {
  const pair = usePair(adminUrl, "hx-replay-")
  const follow = (origin: string, token: string, query: string) =>
    connect(`${origin.replace("http", "ws")}/api/v1/events?${query}`, {
      protocols: ["hyperx.v1", `hyperx.bearer.${token}`],
    })

  it("#21 G4 what a client missed on agent A is replayed by agent B, and by A after a restart, with the same ids", async () => {
    const { databaseUrl, folder, a, originA, originB, hostA, token, api, settled, vmOn } = pair()
    const vmId = await vmOn(hostA, "replayed_vm")
    const first = await follow(originA, token, `vmId=${vmId}`)
    const stop = await api(originA, "POST", `/vms/${vmId}/stop`, { force: true })
    assert.equal(stop.status, 202, JSON.stringify(stop.body))
    assert.equal(await settled(stop.body.task.id), "succeeded")
    await first.until("stopped", () => eventsOf(first).some((e) => e._tag === "vm-state" && e.to === "stopped"), 30_000)
    const lastSeen: string = eventsOf(first).at(-1)?.id
    assert.match(lastSeen, /^\d+$/, "an id of the events table")
    first.close()

    // Missed while away: a start, through agent A.
    const start = await api(originA, "POST", `/vms/${vmId}/start`, {})
    assert.equal(start.status, 202, JSON.stringify(start.body))
    assert.equal(await settled(start.body.task.id), "succeeded")
    const missedOn = async (origin: string) => {
      const back = await follow(origin, token, `vmId=${vmId}&since=${lastSeen}`)
      await back.until(
        "the missed start",
        () => eventsOf(back).some((e) => e._tag === "vm-state" && e.to === "running"),
        30_000,
      )
      const frames = eventsOf(back)
      back.close()
      return frames
    }
    const onB = await missedOn(originB)
    assert.ok(
      onB.every((e) => e._tag !== "gap"),
      JSON.stringify(onB),
    )
    assert.deepEqual(
      onB.filter((e) => e._tag === "vm-state").map((e) => `${e.from}->${e.to}`),
      ["stopped->starting", "starting->running"],
    )
    const ids = onB.map((e) => Number(e.id))
    assert.ok(
      ids.every((id, i) => id > Number(lastSeen) && (i === 0 || id > (ids[i - 1] ?? 0))),
      `after ${lastSeen}, in order: ${ids}`,
    )

    // Agent A restarts (killed, started again on its data folder): its replay is the same, with the same ids.
    killAgent(a)
    const secret = ["--cluster-secret-file", join(folder, "cluster-secret")]
    const again = spawnAgent(databaseUrl, join(folder, "a"), "node-a", secret)
    try {
      const restarted = await originOf(again)
      const onA = await missedOn(restarted)
      // What happened since may follow (on a slow machine, the other agent may have found this host down meanwhile
      // and reconciled its VM): the replay of what was missed comes first, with the same ids.
      assert.deepEqual(
        onA.slice(0, onB.length).map((e) => e.id),
        onB.map((e) => e.id),
      )
    } finally {
      killAgent(again)
    }
  })
})

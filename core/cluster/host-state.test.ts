import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Duration } from "effect"
import { defaultTimeouts, hostStateAt } from "./host-state.ts"

const at = new Date("2026-06-01T00:00:00Z")
const ago = (s: number) => new Date(at.getTime() - s * 1000)

describe("host state from the heartbeat's age", () => {
  it("#16 up, then suspect after 6 s, then down after 10 s (the defaults)", () => {
    assert.deepEqual(
      [0, 6, 6.001, 10, 10.001, 3600].map((s) =>
        hostStateAt({ state: "up", heartbeatAt: ago(s), agentStoppedAt: null }, at),
      ),
      ["up", "up", "suspect", "suspect", "down", "down"],
    )
  })

  it("#16 maintenance and a hand-set down win over any heartbeat; a host that never beat reads as stored", () => {
    assert.equal(hostStateAt({ state: "maintenance", heartbeatAt: ago(3600), agentStoppedAt: null }, at), "maintenance")
    assert.equal(hostStateAt({ state: "maintenance", heartbeatAt: ago(0), agentStoppedAt: null }, at), "maintenance")
    assert.equal(hostStateAt({ state: "down", heartbeatAt: ago(0), agentStoppedAt: null }, at), "down")
    assert.equal(hostStateAt({ state: "up", heartbeatAt: null, agentStoppedAt: null }, at), "up")
  })

  it("#16 R12 a host whose agent stopped gracefully reads suspect, not down, for the restart grace (5 min), then down", () => {
    // the agent beat last 1 s before it stopped; a crashed agent leaves no mark and reads down after 10 s
    const stoppedAgo = (s: number) => ({ state: "up" as const, heartbeatAt: ago(s + 1), agentStoppedAt: ago(s) })
    assert.deepEqual(
      [0, 20, 299, 300, 300.001, 3600].map((s) => hostStateAt(stoppedAgo(s), at)),
      ["up", "suspect", "suspect", "suspect", "down", "down"],
    )
    assert.equal(
      hostStateAt({ state: "maintenance", heartbeatAt: ago(60), agentStoppedAt: ago(59) }, at),
      "maintenance",
    )
  })

  it("#16 the timeouts are the operator's", () => {
    const slow = { ...defaultTimeouts, suspectAfter: Duration.seconds(30), downAfter: Duration.minutes(2) }
    assert.deepEqual(
      [20, 31, 121].map((s) => hostStateAt({ state: "up", heartbeatAt: ago(s), agentStoppedAt: null }, at, slow)),
      ["up", "suspect", "down"],
    )
  })
})

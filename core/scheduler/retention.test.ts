import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Snapshot } from "../model/storage.ts"
import { snapshotsToPrune } from "./retention.ts"

const snapshot = (id: string, hour: number, overrides: Partial<Snapshot> = {}): Snapshot => ({
  id,
  vmId: "vm",
  name: id,
  withMemory: false,
  origin: "scheduled",
  scheduleId: "s1",
  state: "ready",
  sizeBytes: 1,
  createdAt: new Date(Date.UTC(2026, 5, 1, hour)),
  ...overrides,
})

describe("snapshot retention", () => {
  it("P2 keeps the schedule's newest N ready snapshots; never manual ones, another schedule's or one in flight", () => {
    const all = [
      snapshot("h1", 1),
      snapshot("manual", 1, { origin: "manual", scheduleId: null }),
      snapshot("h2", 2),
      snapshot("failed", 3, { state: "failed" }),
      snapshot("other", 3, { scheduleId: "s2" }),
      snapshot("h4", 4),
      snapshot("h5", 5),
      snapshot("running", 6, { state: "creating" }),
    ]
    assert.deepEqual(
      snapshotsToPrune(all, "s1", 2).map((s) => s.id),
      ["h1", "h2", "failed"],
    )
    assert.deepEqual(
      snapshotsToPrune(all, "s1", 10).map((s) => s.id),
      ["failed"],
    )
  })
})

import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Backup } from "../../model/storage.ts"
import { backupsToPrune, chainName, dependentsOf, planBackup, rootOf, streamOf } from "./chains.ts"

let clock = 0
const backup = (id: string, parent: Backup | null, overrides: Partial<Backup> = {}): Backup => ({
  id,
  diskId: "disk",
  vmId: "vm",
  kind: parent === null ? "full" : "incremental",
  parentId: parent?.id ?? null,
  origin: "scheduled",
  scheduleId: "s1",
  location: `/backups/disk/${id}.qcow2`,
  sizeBytes: 1,
  state: "ready",
  createdAt: new Date(Date.UTC(2026, 5, 1, 0, clock++)),
  ...overrides,
})

/** A chain of `length` backups: a full one and its increments, oldest first. */
const chain = (prefix: string, length: number, overrides: Partial<Backup> = {}) => {
  const made: Array<Backup> = []
  for (let i = 0; i < length; i++) made.push(backup(`${prefix}${i}`, made.at(-1) ?? null, overrides))
  return made
}

describe("backup chains", () => {
  it("V4 the first backup of a stream is full; the next builds on the newest ready one", () => {
    assert.deepEqual(planBackup([], [], 8, "n"), { kind: "full", chain: chainName("n"), supersedes: null })
    const [full, inc] = chain("a", 2)
    assert.ok(full && inc)
    const failed = backup("x", inc, { state: "failed" })
    const all = [full, inc, failed]
    assert.deepEqual(planBackup(all, all, 8, "n"), { kind: "incremental", chain: chainName("a0"), previous: inc })
  })

  it("V5 a chain at its length limit ends: the next backup is full and supersedes the old chain", () => {
    const all = chain("a", 3)
    assert.deepEqual(planBackup(all, all, 3, "n"), { kind: "full", chain: chainName("n"), supersedes: chainName("a0") })
  })

  it("V4 manual backups and each schedule's backups are separate streams", () => {
    const manual = chain("m", 2, { origin: "manual", scheduleId: null })
    const scheduled = chain("s", 2)
    const all = [...manual, ...scheduled]
    assert.deepEqual(
      streamOf(all, null).map((b) => b.id),
      ["m0", "m1"],
    )
    assert.deepEqual(
      streamOf(all, "s1").map((b) => b.id),
      ["s0", "s1"],
    )
  })

  it("V4 what builds on a backup, latest first; and the full backup a chain starts with", () => {
    const all = chain("a", 4)
    assert.deepEqual(
      dependentsOf(all[1] as Backup, all).map((b) => b.id),
      ["a3", "a2"],
    )
    assert.equal(rootOf(all[3] as Backup, all).id, "a0")
  })

  it("V5 retention keeps the newest N with what they build on, and drops old chains and failed backups", () => {
    const old = chain("o", 2)
    const current = chain("c", 2)
    const failed = backup("f", null, { state: "failed" })
    const manual = backup("m", null, { origin: "manual", scheduleId: null })
    const other = backup("x", null, { scheduleId: "s2" })
    const all = [...old, ...current, failed, manual, other]
    assert.deepEqual(
      backupsToPrune(all, "s1", 2).map((b) => b.id),
      ["o0", "f"],
    )
    // Keeping three needs the old chain's newest increment, so its full backup stays too.
    assert.deepEqual(
      backupsToPrune(all, "s1", 3).map((b) => b.id),
      ["f"],
    )
  })
})

import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Snapshot } from "../model/storage.ts"
import type { Vm } from "../model/vm.ts"
import type { VmFacts } from "../store/ports.ts"
import { messageOf } from "./rule.ts"
import {
  memorySnapshotRunningOnly,
  noBackupSchedules,
  noBackups,
  noSnapshotSchedules,
  noSnapshots,
  oneSchedulePerPeriod,
  rollbackVmRules,
  type SnapshotContext,
  type SnapshotCreateContext,
  snapshotReady,
  snapshotRules,
} from "./snapshots.ts"
import {
  assertAllows,
  assertRefuses,
  refusedBy,
  sampleFacts,
  sampleSnapshot,
  sampleVm,
  sampleVmContext,
} from "./testing.ts"

const withFacts = (facts: Partial<VmFacts>) => sampleVmContext({ facts: sampleFacts(facts) })
const create = (vm: Partial<Vm> = {}, withMemory = false, facts: Partial<VmFacts> = {}): SnapshotCreateContext => ({
  ...sampleVmContext({ vm: sampleVm(vm), facts: sampleFacts(facts) }),
  withMemory,
})
const onSnapshot = (snapshot: Partial<Snapshot> = {}, vm: Partial<Vm> = { state: "stopped" }): SnapshotContext => ({
  ...sampleVmContext({ vm: sampleVm(vm) }),
  snapshot: sampleSnapshot(snapshot),
})

describe("snapshot and backup exclusivity", () => {
  it("V1 V3 no-snapshots: allows a VM without snapshots", () => assertAllows(noSnapshots, withFacts({ backups: 2 })))
  it("V1 V3 no-snapshots: refuses a VM with snapshots", () => assertRefuses(noSnapshots, withFacts({ snapshots: 1 })))
  it("V4 no-snapshot-schedules: allows a VM without snapshot schedules", () =>
    assertAllows(noSnapshotSchedules, withFacts({})))
  it("V4 no-snapshot-schedules: refuses a VM with a snapshot schedule", () =>
    assertRefuses(noSnapshotSchedules, withFacts({ snapshotSchedules: 1 })))
  it("P1 no-backups: allows a VM whose disks have no backups", () =>
    assertAllows(noBackups, withFacts({ snapshots: 2 })))
  it("P1 no-backups: refuses a VM whose disks have backups", () => assertRefuses(noBackups, withFacts({ backups: 1 })))
  it("P1 no-backup-schedules: allows a VM whose disks have no backup schedules", () =>
    assertAllows(noBackupSchedules, withFacts({})))
  it("P1 no-backup-schedules: refuses a VM whose disks have a backup schedule", () =>
    assertRefuses(noBackupSchedules, withFacts({ backupSchedules: 1 })))
})

describe("snapshot rules", () => {
  it("P2 V5 one-schedule-per-period: allows a new period kind", () =>
    assertAllows(oneSchedulePerPeriod, { period: "weekly", existingPeriods: ["hourly", "daily"] }))
  it("P2 V5 one-schedule-per-period: refuses a second daily schedule", () =>
    assertRefuses(oneSchedulePerPeriod, { period: "daily", existingPeriods: ["daily"] }))
  it("P2 V5 one-schedule-per-period: its message reads as English for every period", () => {
    const en = (period: "hourly" | "daily") => messageOf(oneSchedulePerPeriod, { period, existingPeriods: [period] }).en
    assert.equal(en("hourly"), "There is already an hourly schedule; each period may have one")
    assert.equal(en("daily"), "There is already a daily schedule; each period may have one")
  })

  it("P1 memory-snapshot-running-only: allows memory of a running VM", () =>
    assertAllows(memorySnapshotRunningOnly, create({}, true)))
  it("P1 memory-snapshot-running-only: refuses memory of a stopped VM", () =>
    assertRefuses(memorySnapshotRunningOnly, create({ state: "stopped" }, true)))

  it("P4 snapshot-ready: allows a finished snapshot", () => assertAllows(snapshotReady, onSnapshot()))
  it("P4 snapshot-ready: refuses a failed snapshot", () =>
    assertRefuses(snapshotReady, onSnapshot({ state: "failed" })))
})

describe("snapshot rule lists", () => {
  it("P1 create: a running or stopped VM without backups", () => {
    assert.equal(refusedBy(snapshotRules.create, create()), undefined)
    assert.equal(refusedBy(snapshotRules.create, create({ state: "stopped" })), undefined)
    assert.equal(refusedBy(snapshotRules.create, create({ state: "error" })), "running-or-stopped")
    assert.equal(refusedBy(snapshotRules.create, create({}, false, { backups: 1 })), "no-backups")
    assert.equal(refusedBy(snapshotRules.create, create({}, false, { backupSchedules: 1 })), "no-backup-schedules")
  })
  it("P2 schedule: no backups, one per period", () => {
    const schedule = (facts: Partial<VmFacts>, existingPeriods: ReadonlyArray<"monthly">) => ({
      ...withFacts(facts),
      period: "monthly" as const,
      existingPeriods,
    })
    assert.equal(refusedBy(snapshotRules.schedule, schedule({}, [])), undefined)
    assert.equal(refusedBy(snapshotRules.schedule, schedule({ backupSchedules: 1 }, [])), "no-backup-schedules")
    assert.equal(refusedBy(snapshotRules.schedule, schedule({}, ["monthly"])), "one-schedule-per-period")
  })
  it("P3 delete-schedule: never refused", () =>
    assert.equal(
      refusedBy(snapshotRules["delete-schedule"], sampleVmContext({ vm: sampleVm({ state: "error" }) })),
      undefined,
    ))
  it("P4 rollback: stopped only", () => {
    assert.equal(refusedBy(snapshotRules.rollback, onSnapshot()), undefined)
    assert.equal(refusedBy(snapshotRules.rollback, onSnapshot({}, { state: "running" })), "stopped-only")
  })
  it("P4 F9 rollback before a snapshot is chosen: offered only to a VM that has one", () => {
    const stopped = (snapshots: number) =>
      sampleVmContext({ vm: sampleVm({ state: "stopped" }), facts: sampleFacts({ snapshots }) })
    assert.equal(refusedBy(rollbackVmRules, stopped(0)), "snapshot-exists")
    assert.equal(refusedBy(rollbackVmRules, stopped(1)), undefined)
    const running = sampleVmContext({ vm: sampleVm({ state: "running" }), facts: sampleFacts({ snapshots: 0 }) })
    assert.equal(refusedBy(rollbackVmRules, running), "stopped-only", "the VM's state first, as the run answers")
  })
  it("P5 delete: not while another operation runs", () => {
    assert.equal(refusedBy(snapshotRules.delete, onSnapshot({}, { state: "running" })), undefined)
    assert.equal(refusedBy(snapshotRules.delete, onSnapshot({}, { state: "migrating" })), "vm-busy")
  })
})

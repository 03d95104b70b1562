import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Backup, Disk } from "../model/storage.ts"
import type { Vm } from "../model/vm.ts"
import type { VmFacts } from "../store/ports.ts"
import {
  type BackupContext,
  backupReady,
  type DiskContext,
  diskAttached,
  diskDemand,
  diskFitsVm,
  diskRules,
  diskUnattached,
  notSystemDisk,
} from "./disks.ts"
import {
  assertAllows,
  assertRefuses,
  refusedBy,
  sampleBackup,
  sampleDisk,
  sampleFacts,
  sampleQuota,
  sampleUsage,
  sampleVm,
  sampleVmContext,
} from "./testing.ts"

const onDisk = (disk: Partial<Disk> = {}, facts: Partial<VmFacts> = {}, vm: Partial<Vm> = {}): DiskContext => ({
  ...sampleVmContext({ vm: sampleVm(vm), facts: sampleFacts(facts) }),
  disk: sampleDisk(disk),
})
const loose = { vmId: null }
const withBackup = (backup: Partial<Backup> = {}, vm: Partial<Vm> = { state: "stopped" }): BackupContext => ({
  ...onDisk({}, {}, vm),
  backup: sampleBackup(backup),
})

describe("disk rules", () => {
  it("V1 disk-unattached: allows a free disk", () => assertAllows(diskUnattached, onDisk(loose)))
  it("V1 disk-unattached: refuses a disk attached elsewhere", () =>
    assertRefuses(diskUnattached, onDisk({ vmId: "vm-2" })))

  it("V1 disk-fits-vm: allows a data disk of the department on the VM's host", () =>
    assertAllows(diskFitsVm, onDisk(loose)))
  it("V1 disk-fits-vm: allows a disk not yet placed", () =>
    assertAllows(diskFitsVm, onDisk({ ...loose, hostId: null })))
  it("V1 disk-fits-vm: refuses a disk on another host", () =>
    assertRefuses(diskFitsVm, onDisk({ ...loose, hostId: "host-2" })))
  it("V1 disk-fits-vm: refuses another department's disk", () =>
    assertRefuses(diskFitsVm, onDisk({ ...loose, departmentId: "dept-2" })))

  it("V3 disk-attached: allows a disk of this VM", () => assertAllows(diskAttached, onDisk()))
  it("V3 disk-attached: refuses a disk of another VM", () => assertRefuses(diskAttached, onDisk({ vmId: "vm-2" })))

  it("V3 not-system-disk: allows a data disk", () => assertAllows(notSystemDisk, onDisk()))
  it("V3 not-system-disk: refuses the system disk", () => assertRefuses(notSystemDisk, onDisk({ role: "system" })))

  it("V4 backup-ready: allows a finished backup", () => assertAllows(backupReady, withBackup()))
  it("V4 backup-ready: refuses a backup still being made", () =>
    assertRefuses(backupReady, withBackup({ state: "creating" })))
})

describe("disk rule lists", () => {
  it("V1 attach: only while the VM has no snapshots", () => {
    assert.equal(refusedBy(diskRules.attach, onDisk(loose)), undefined)
    assert.equal(refusedBy(diskRules.attach, onDisk(loose, { snapshots: 1 })), "no-snapshots")
  })
  it("V2 G2 create: within the disk quota, no snapshots", () => {
    const create = (sizeGiB: number, snapshots = 0) => ({
      ...sampleVmContext({ facts: sampleFacts({ snapshots }) }),
      quota: sampleQuota({ diskGiB: 300 }),
      usage: sampleUsage({ diskGiB: 200 }),
      demand: diskDemand(sizeGiB),
      sizeGiB,
      storageClass: "ssd",
    })
    assert.equal(refusedBy(diskRules.create, create(100)), undefined)
    assert.equal(refusedBy(diskRules.create, create(101)), "quota-disk")
    assert.equal(refusedBy(diskRules.create, create(10, 1)), "no-snapshots")
  })
  it("V3 detach: never the system disk, not with snapshots", () => {
    assert.equal(refusedBy(diskRules.detach, onDisk()), undefined)
    assert.equal(refusedBy(diskRules.detach, onDisk({ role: "system" })), "not-system-disk")
    assert.equal(refusedBy(diskRules.detach, onDisk({}, { snapshots: 2 })), "no-snapshots")
  })
  it("V4 backup: not while the VM has snapshots or snapshot schedules", () => {
    assert.equal(refusedBy(diskRules.backup, onDisk()), undefined)
    assert.equal(refusedBy(diskRules.backup, onDisk({}, { snapshots: 1 })), "no-snapshots")
    assert.equal(refusedBy(diskRules.backup, onDisk({}, { snapshotSchedules: 1 })), "no-snapshot-schedules")
  })
  it("V5 backup-schedule: one per period kind per disk", () => {
    const schedule = (existingPeriods: ReadonlyArray<"hourly" | "daily">, facts: Partial<VmFacts> = {}) => ({
      ...onDisk({}, facts),
      period: "daily" as const,
      existingPeriods,
    })
    assert.equal(refusedBy(diskRules["backup-schedule"], schedule(["hourly"])), undefined)
    assert.equal(refusedBy(diskRules["backup-schedule"], schedule(["daily"])), "one-schedule-per-period")
    assert.equal(
      refusedBy(diskRules["backup-schedule"], schedule([], { snapshotSchedules: 1 })),
      "no-snapshot-schedules",
    )
  })
  it("V6 delete-backup-schedule: never refused", () =>
    assert.equal(
      refusedBy(diskRules["delete-backup-schedule"], onDisk({}, { snapshots: 3 }, { state: "error" })),
      undefined,
    ))
  it("V4 restore-backup: a ready backup restores into a new disk, within the disk quota (G2)", () => {
    const restore = (backup: Partial<Backup>, diskGiBLeft: number | null) => ({
      ...withBackup(backup),
      quota: { departmentId: "dept-1", cpus: null, memoryMiB: null, diskGiB: diskGiBLeft, vmCount: null },
      usage: { cpus: 0, memoryMiB: 0, diskGiB: 0, vmCount: 0 },
      demand: { cpus: 0, memoryMiB: 0, diskGiB: 20, vmCount: 0 },
    })
    assert.equal(refusedBy(diskRules["restore-backup"], restore({}, null)), undefined)
    assert.equal(refusedBy(diskRules["restore-backup"], restore({ state: "creating" }, null)), "backup-ready")
    assert.equal(refusedBy(diskRules["restore-backup"], restore({}, 10)), "quota-disk")
  })
})

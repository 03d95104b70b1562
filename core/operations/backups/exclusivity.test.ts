import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../../test-support/core.ts"
import { RuleViolation } from "../../errors.ts"
import type { Vm } from "../../model/vm.ts"
import { Store } from "../../store/ports.ts"
import { storeBackends } from "../../store/testing.ts"
import { power } from "../power.ts"
import { createSnapshot } from "../snapshots/create.ts"
import { rollbackSnapshot } from "../snapshots/rollback.ts"
import { createSnapshotSchedule } from "../snapshots/schedules.ts"
import { seedVm } from "../testing/world.ts"
import { backupDisk } from "./backup.ts"
import { createBackupSchedule } from "./schedules.ts"

const hourly = { period: "hourly", minute: 5, retention: 3 } as const

for (const backend of storeBackends) {
  describe(`snapshot and backup exclusivity on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)
    const owner = () => core.world.actors.owner
    const runningVm = async () => {
      const vm = await core.run(seedVm(core.world))
      await core.complete(power(owner(), vm.id, "start"))
      const [disk] = await core.run(Store.use((s) => s.disks.list({ vmId: vm.id })))
      assert.ok(disk)
      return { vm, disk }
    }
    /** The refusal's rule, checking that nothing was recorded: no task, snapshot, backup or schedule. */
    const refusedBy = async (vm: Vm, attempt: () => Promise<unknown>) => {
      const before = await core.run(rowCounts(vm))
      const error = await attempt()
      assert.ok(error instanceof RuleViolation, String(error))
      assert.deepEqual(await core.run(rowCounts(vm)), before)
      return error.rule
    }
    const rowCounts = (vm: Vm) =>
      Store.use((s) =>
        Effect.all({
          snapshots: Effect.map(s.snapshots.list({ vmId: vm.id }), (rows) => rows.length),
          backups: Effect.map(s.backups.list({ vmId: vm.id }), (rows) => rows.length),
          schedules: Effect.map(s.schedules.list(), (rows) => rows.length),
          tasks: Effect.map(s.tasks.list({ vmId: vm.id }), (rows) => rows.length),
        }),
      )

    it("P1 no-backups: once a disk of the VM has a backup, a snapshot is refused and nothing is recorded", async () => {
      const { vm, disk } = await runningVm()
      await core.complete(backupDisk(owner(), vm.id, disk.id))
      assert.equal(await refusedBy(vm, () => core.run(Effect.flip(createSnapshot(owner(), vm.id)))), "no-backups")
      assert.equal(
        await refusedBy(vm, () => core.run(Effect.flip(createSnapshotSchedule(owner(), vm.id, hourly)))),
        "no-backups",
      )
    })

    it("P1 P2 no-backup-schedules: a backup schedule on a disk refuses snapshots and snapshot schedules", async () => {
      const { vm, disk } = await runningVm()
      await core.run(createBackupSchedule(owner(), vm.id, disk.id, hourly))
      assert.equal(
        await refusedBy(vm, () => core.run(Effect.flip(createSnapshot(owner(), vm.id)))),
        "no-backup-schedules",
      )
      assert.equal(
        await refusedBy(vm, () => core.run(Effect.flip(createSnapshotSchedule(owner(), vm.id, hourly)))),
        "no-backup-schedules",
      )
    })

    it("V4 V5 no-snapshots: a VM with a snapshot refuses disk backups and backup schedules", async () => {
      const { vm, disk } = await runningVm()
      await core.complete(createSnapshot(owner(), vm.id))
      assert.equal(
        await refusedBy(vm, () => core.run(Effect.flip(backupDisk(owner(), vm.id, disk.id)))),
        "no-snapshots",
      )
      assert.equal(
        await refusedBy(vm, () => core.run(Effect.flip(createBackupSchedule(owner(), vm.id, disk.id, hourly)))),
        "no-snapshots",
      )
    })

    it("V4 V5 no-snapshot-schedules: a snapshot schedule refuses disk backups and backup schedules", async () => {
      const { vm, disk } = await runningVm()
      await core.run(createSnapshotSchedule(owner(), vm.id, hourly))
      assert.equal(
        await refusedBy(vm, () => core.run(Effect.flip(backupDisk(owner(), vm.id, disk.id)))),
        "no-snapshot-schedules",
      )
      assert.equal(
        await refusedBy(vm, () => core.run(Effect.flip(createBackupSchedule(owner(), vm.id, disk.id, hourly)))),
        "no-snapshot-schedules",
      )
    })

    it("P1 memory-snapshot-running-only: a stopped VM refuses a memory snapshot", async () => {
      const { vm } = await runningVm()
      await core.complete(power(owner(), vm.id, "stop"))
      const rule = await refusedBy(vm, () =>
        core.run(Effect.flip(createSnapshot(owner(), vm.id, { withMemory: true }))),
      )
      assert.equal(rule, "memory-snapshot-running-only")
    })

    it("P4 stopped-only: rolling back a running VM is refused and its disk is unchanged", async () => {
      const { vm } = await runningVm()
      await core.run(core.fake.simulate.writeGuest(vm.hostname, "/data", "old"))
      await core.complete(createSnapshot(owner(), vm.id))
      await core.run(core.fake.simulate.writeGuest(vm.hostname, "/data", "new"))
      const [snapshot] = await core.run(Store.use((s) => s.snapshots.list({ vmId: vm.id })))
      const rule = await refusedBy(vm, () =>
        core.run(Effect.flip(rollbackSnapshot(owner(), vm.id, snapshot?.id ?? ""))),
      )
      assert.equal(rule, "stopped-only")
      assert.equal(await core.run(core.fake.simulate.readGuest(vm.hostname, "/data")), "new")
    })

    it("P2 one-schedule-per-period: a second hourly snapshot schedule is refused; a daily one is not", async () => {
      const { vm } = await runningVm()
      await core.run(createSnapshotSchedule(owner(), vm.id, hourly))
      const rule = await refusedBy(vm, () => core.run(Effect.flip(createSnapshotSchedule(owner(), vm.id, hourly))))
      assert.equal(rule, "one-schedule-per-period")
      const { schedule } = await core.run(createSnapshotSchedule(owner(), vm.id, { ...hourly, period: "daily" }))
      assert.equal(schedule.period, "daily")
    })

    it("V5 one-schedule-per-period: a second weekly backup schedule on the same disk is refused", async () => {
      const { vm, disk } = await runningVm()
      const weekly = { period: "weekly", minute: 0, hour: 2, dayOfWeek: 6, retention: 4 } as const
      await core.run(createBackupSchedule(owner(), vm.id, disk.id, weekly))
      const rule = await refusedBy(vm, () =>
        core.run(Effect.flip(createBackupSchedule(owner(), vm.id, disk.id, { ...weekly, hour: 3 }))),
      )
      assert.equal(rule, "one-schedule-per-period")
    })

    it("P2 an unknown time zone or an out-of-range time is invalid input", async () => {
      const { vm } = await runningVm()
      const zone = await core.run(
        Effect.flip(createSnapshotSchedule(owner(), vm.id, { ...hourly, timeZone: "Mars/Olympus" })),
      )
      assert.equal(zone._tag, "InvalidInput")
      const minute = await core.run(Effect.flip(createSnapshotSchedule(owner(), vm.id, { ...hourly, minute: 60 })))
      assert.equal(minute._tag, "InvalidInput")
    })
  })
}

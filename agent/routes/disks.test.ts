import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Store } from "../../core/index.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { accepted, recordsOf, runningVm, runScheduleAt, salesVm } from "../storage/testing.ts"
import { useAgent } from "../testing/harness.ts"

interface BackupRow {
  readonly id: string
  readonly kind: string
  readonly parentId: string | null
  readonly scheduleId: string | null
  readonly state: string
}

for (const backend of storeBackends) {
  describe(`disk and backup routes on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    const backupsOf = async (vmId: string, diskId: string): Promise<Array<BackupRow>> => {
      const reply = await agent.call("GET", `/api/v1/vms/${vmId}/disks/${diskId}/backups`)
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      return reply.body.items
    }
    const backup = async (vmId: string, diskId: string) => {
      const task = await accepted(agent, "POST", `/api/v1/vms/${vmId}/disks/${diskId}/backups`, { body: {} })
      assert.deepEqual([task.operation, task.state, task.vmId], ["disk.backup", "succeeded", vmId])
      return task.result as { backupId: string; kind: string }
    }

    it("V4 full then incremental backup, listed newest first; restore into a new disk; delete a backup", async () => {
      const { vm, disk } = await runningVm(agent)
      const empty = await agent.call("GET", `/api/v1/vms/${vm.id}/disks`)
      assert.equal(empty.status, 200)
      assert.deepEqual(
        empty.body.items.map((d: { id: string; role: string; backupCount: number; lastBackupAt: null }) => [
          d.id,
          d.role,
          d.backupCount,
          d.lastBackupAt,
        ]),
        [[disk.id, "system", 0, null]],
      )

      await agent.run(agent.fake.simulate.writeGuest(vm.hostname, "/srv/orders.db", "order-1"))
      const full = await backup(vm.id, disk.id)
      await agent.run(agent.fake.simulate.writeGuest(vm.hostname, "/srv/orders.db", "order-1,order-2"))
      const increment = await backup(vm.id, disk.id)
      const listed = await backupsOf(vm.id, disk.id)
      assert.deepEqual(
        listed.map((b) => [b.id, b.kind, b.parentId, b.state]),
        [
          [increment.backupId, "incremental", full.backupId, "ready"],
          [full.backupId, "full", null, "ready"],
        ],
      )
      const disks = await agent.call("GET", `/api/v1/vms/${vm.id}/disks`)
      const [shown] = disks.body.items
      assert.equal(shown.backupCount, 2)
      const newest = await agent.run(Store.use((s) => s.backups.get(increment.backupId)))
      assert.equal(shown.lastBackupAt, newest.createdAt.toISOString())

      const restore = await accepted(agent, "POST", `/api/v1/backups/${full.backupId}/restore`, {
        body: { name: "orders-restored" },
      })
      assert.deepEqual([restore.operation, restore.state], ["disk.restore-backup", "succeeded"])
      const newDiskId = (restore.result as { diskId: string }).diskId
      const newDisk = await agent.run(Store.use((s) => s.disks.get(newDiskId)))
      assert.deepEqual(
        [newDisk.name, newDisk.vmId, newDisk.role, newDisk.departmentId],
        ["orders-restored", null, "data", disk.departmentId],
      )
      assert.deepEqual(await agent.run(agent.fake.simulate.readVolume(newDisk.path)), {
        "/srv/orders.db": "order-1",
      })
      const after = await agent.call("GET", `/api/v1/vms/${vm.id}/disks`)
      assert.equal(after.body.items.length, 1, "the new disk is not attached to the VM")

      const deleted = await accepted(agent, "DELETE", `/api/v1/backups/${increment.backupId}`)
      assert.deepEqual([deleted.operation, deleted.state], ["disk.delete-backup", "succeeded"])
      assert.deepEqual(
        (await backupsOf(vm.id, disk.id)).map((b) => b.id),
        [full.backupId],
      )
      const gone = await agent.call("DELETE", `/api/v1/backups/${increment.backupId}`)
      assert.equal(gone.status, 404)
    })

    it("V5 V6 a backup schedule: created with its next run, one per period, runs keep N; deleting it keeps its backups", async () => {
      const { vm, disk } = await runningVm(agent)
      const path = `/api/v1/vms/${vm.id}/disks/${disk.id}/backup-schedules`
      const created = await agent.call("POST", path, {
        body: { period: "monthly", minute: 30, hour: 1, dayOfMonth: 31, retention: 2 },
      })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      const schedule = created.body.schedule
      assert.deepEqual([created.body.task.operation, created.body.task.targetId], ["disk.backup-schedule", schedule.id])
      assert.deepEqual(schedule.target, { kind: "disk-backup", diskId: disk.id })
      const next = new Date(schedule.nextRunAt)
      assert.deepEqual([next.getUTCHours(), next.getUTCMinutes()], [1, 30])
      const lastDay = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 0)).getUTCDate()
      assert.equal(next.getUTCDate(), lastDay, "the 31st runs on a shorter month's last day")
      assert.deepEqual((await agent.call("GET", path)).body.items, [schedule])

      const before = await recordsOf(agent, vm.id)
      const second = await agent.call("POST", path, { body: { period: "monthly", minute: 0, retention: 1 } })
      assert.equal(second.status, 409)
      assert.equal(second.body.error.rule, "one-schedule-per-period")
      assert.deepEqual(await recordsOf(agent, vm.id), before)

      const manual = await backup(vm.id, disk.id)
      const runs: Array<string> = []
      for (const month of [0, 1, 2, 3]) {
        const run = await runScheduleAt(agent, schedule.id, vm.id, new Date(Date.UTC(2027, month, 28, 1, 30)))
        assert.deepEqual([run.operation, run.state], ["disk.backup", "succeeded"])
        runs.push((run.result as { backupId: string }).backupId)
      }
      const listed = await backupsOf(vm.id, disk.id)
      const made = listed.filter((b) => b.scheduleId === schedule.id)
      // Chains of a schedule are at most `retention` long: runs 1–2 and 3–4 are two chains; the first is pruned.
      assert.deepEqual(
        made.map((b) => [b.id, b.kind]),
        [
          [runs[3], "incremental"],
          [runs[2], "full"],
        ],
        "retention 2 keeps the schedule's newest two",
      )
      assert.ok(
        listed.some((b) => b.id === manual.backupId),
        "the manual backup is never pruned",
      )

      const deleted = await agent.call("DELETE", `${path}/${schedule.id}`)
      assert.equal(deleted.status, 200)
      assert.deepEqual(
        [deleted.body.task.operation, deleted.body.task.state],
        ["disk.delete-backup-schedule", "succeeded"],
      )
      assert.deepEqual((await agent.call("GET", path)).body.items, [])
      assert.deepEqual(
        (await backupsOf(vm.id, disk.id)).map((b) => b.id),
        listed.map((b) => b.id),
        "the backups it made stay",
      )
    })

    it("G1 another department gets 404 for the VM's disks, backups and schedules, and for restore and delete", async () => {
      const { vm, disk } = await runningVm(agent)
      const { backupId } = await backup(vm.id, disk.id)
      const schedule = await agent.call("POST", `/api/v1/vms/${vm.id}/disks/${disk.id}/backup-schedules`, {
        body: { period: "daily", minute: 0, retention: 3 },
      })
      const before = await recordsOf(agent, vm.id)
      const base = `/api/v1/vms/${vm.id}/disks`
      for (const as of ["outsider", "salesUser"] as const) {
        for (const [method, path, body] of [
          ["GET", base],
          ["GET", `${base}/${disk.id}/backups`],
          ["POST", `${base}/${disk.id}/backups`, {}],
          ["GET", `${base}/${disk.id}/backup-schedules`],
          ["POST", `${base}/${disk.id}/backup-schedules`, { period: "weekly", minute: 0, retention: 1 }],
          ["DELETE", `${base}/${disk.id}/backup-schedules/${schedule.body.schedule.id}`],
          ["POST", `/api/v1/backups/${backupId}/restore`, {}],
          ["DELETE", `/api/v1/backups/${backupId}`],
        ] as const) {
          const reply = await agent.call(method, path, { as, ...(body === undefined ? {} : { body }) })
          assert.equal(reply.status, 404, `${as} ${method} ${path}`)
          assert.equal(reply.body.error.code, "not-found")
        }
      }
      assert.deepEqual(await recordsOf(agent, vm.id), before)
      const admin = await agent.call("GET", `${base}/${disk.id}/backups`, { as: "admin" })
      assert.deepEqual(
        admin.body.items.map((b: BackupRow) => b.id),
        [backupId],
      )

      // Their own VM in the path does not reach another VM's disk either.
      const theirs = await salesVm(agent)
      for (const path of [
        `/api/v1/vms/${theirs.vm.id}/disks/${disk.id}/backups`,
        `/api/v1/vms/${theirs.vm.id}/disks/${disk.id}/backup-schedules`,
      ]) {
        assert.equal((await agent.call("GET", path, { as: "salesUser" })).status, 404, path)
      }
      const mixed = await agent.call("GET", `/api/v1/vms/${vm.id}/disks/${theirs.disk.id}/backups`)
      assert.equal(mixed.status, 404, "a disk is only reached through the VM it is attached to")
    })

    it("bad input is 400 and changes nothing: period, retention 0, minute 99, unknown keys, huge names", async () => {
      const { vm, disk } = await runningVm(agent)
      const { backupId } = await backup(vm.id, disk.id)
      const before = await recordsOf(agent, vm.id)
      const schedules = `/api/v1/vms/${vm.id}/disks/${disk.id}/backup-schedules`
      const valid = { period: "weekly", minute: 0, retention: 3 }
      for (const [path, body] of [
        [schedules, { ...valid, period: "fortnightly" }],
        [schedules, { ...valid, retention: 0 }],
        [schedules, { ...valid, retention: -1 }],
        [schedules, { ...valid, minute: 99 }],
        [schedules, { ...valid, withMemory: true }],
        [schedules, { ...valid, timeZone: "x".repeat(65) }],
        [schedules, { ...valid, timeZone: "Not/AZone" }],
        [`/api/v1/vms/${vm.id}/disks/${disk.id}/backups`, { kind: "full" }],
        [`/api/v1/backups/${backupId}/restore`, { name: "x".repeat(65) }],
        [`/api/v1/backups/${backupId}/restore`, { name: "" }],
        [`/api/v1/backups/${backupId}/restore`, { name: "ok", attach: true }],
        [`/api/v1/backups/${"x".repeat(65)}/restore`, {}],
      ] as const) {
        const reply = await agent.call("POST", path, { body })
        assert.equal(reply.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(reply.body)}`)
        assert.equal(reply.body.error.code, "invalid-input")
      }
      assert.deepEqual(await recordsOf(agent, vm.id), before)
    })
  })
}

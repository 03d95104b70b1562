import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { storeBackends } from "../../core/store/testing.ts"
import { accepted, recordsOf, runningVm } from "../storage/testing.ts"
import { useAgent } from "../testing/harness.ts"

const hourly = { period: "hourly", minute: 5, retention: 3 }

for (const backend of storeBackends) {
  describe(`snapshot and backup exclusivity through the API on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    /** The request is 409 with the rule's name and the VM's records are as they were. */
    const refusedBy = async (vmId: string, method: string, path: string, body: unknown = {}) => {
      const before = await recordsOf(agent, vmId)
      const reply = await agent.call(method, path, { body })
      assert.equal(reply.status, 409, `${method} ${path}: ${JSON.stringify(reply.body)}`)
      assert.equal(reply.body.error.code, "conflict")
      assert.deepEqual(await recordsOf(agent, vmId), before, "nothing was recorded")
      return reply.body.error.rule
    }

    it("P1 P2 no-backups: once a disk has a backup, snapshots and snapshot schedules are refused", async () => {
      const { vm, disk } = await runningVm(agent)
      await accepted(agent, "POST", `/api/v1/vms/${vm.id}/disks/${disk.id}/backups`)
      assert.equal(await refusedBy(vm.id, "POST", `/api/v1/vms/${vm.id}/snapshots`), "no-backups")
      assert.equal(await refusedBy(vm.id, "POST", `/api/v1/vms/${vm.id}/snapshot-schedules`, hourly), "no-backups")
    })

    it("P1 P2 no-backup-schedules: a backup schedule on a disk refuses snapshots and snapshot schedules", async () => {
      const { vm, disk } = await runningVm(agent)
      const created = await agent.call("POST", `/api/v1/vms/${vm.id}/disks/${disk.id}/backup-schedules`, {
        body: hourly,
      })
      assert.equal(created.status, 201)
      assert.equal(await refusedBy(vm.id, "POST", `/api/v1/vms/${vm.id}/snapshots`), "no-backup-schedules")
      assert.equal(
        await refusedBy(vm.id, "POST", `/api/v1/vms/${vm.id}/snapshot-schedules`, hourly),
        "no-backup-schedules",
      )
    })

    it("V4 V5 no-snapshots: once the VM has a snapshot, backups and backup schedules are refused", async () => {
      const { vm, disk } = await runningVm(agent)
      await accepted(agent, "POST", `/api/v1/vms/${vm.id}/snapshots`)
      const disks = `/api/v1/vms/${vm.id}/disks/${disk.id}`
      assert.equal(await refusedBy(vm.id, "POST", `${disks}/backups`), "no-snapshots")
      assert.equal(await refusedBy(vm.id, "POST", `${disks}/backup-schedules`, hourly), "no-snapshots")
    })

    it("V4 V5 no-snapshot-schedules: a snapshot schedule refuses backups and backup schedules", async () => {
      const { vm, disk } = await runningVm(agent)
      const created = await agent.call("POST", `/api/v1/vms/${vm.id}/snapshot-schedules`, { body: hourly })
      assert.equal(created.status, 201)
      const disks = `/api/v1/vms/${vm.id}/disks/${disk.id}`
      assert.equal(await refusedBy(vm.id, "POST", `${disks}/backups`), "no-snapshot-schedules")
      assert.equal(await refusedBy(vm.id, "POST", `${disks}/backup-schedules`, hourly), "no-snapshot-schedules")
    })

    it("R3 once the backup schedule and the backups are deleted, a snapshot is accepted again", async () => {
      const { vm, disk } = await runningVm(agent)
      const disks = `/api/v1/vms/${vm.id}/disks/${disk.id}`
      const backup = await accepted(agent, "POST", `${disks}/backups`)
      const schedule = await agent.call("POST", `${disks}/backup-schedules`, { body: hourly })
      assert.equal((await agent.call("DELETE", `${disks}/backup-schedules/${schedule.body.schedule.id}`)).status, 200)
      assert.equal(await refusedBy(vm.id, "POST", `/api/v1/vms/${vm.id}/snapshots`), "no-backups")
      await accepted(agent, "DELETE", `/api/v1/backups/${(backup.result as { backupId: string }).backupId}`)
      const snapshot = await accepted(agent, "POST", `/api/v1/vms/${vm.id}/snapshots`)
      assert.equal(snapshot.state, "succeeded")
    })
  })
}

import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../../test-support/core.ts"
import { RuleViolation } from "../../errors.ts"
import type { Backup } from "../../model/storage.ts"
import type { Vm } from "../../model/vm.ts"
import { Store } from "../../store/ports.ts"
import { storeBackends } from "../../store/testing.ts"
import { power } from "../power.ts"
import { seedVm } from "../testing/world.ts"
import { backupDisk } from "./backup.ts"
import { deleteBackup } from "./delete.ts"
import { listBackups } from "./list.ts"
import { restoreBackup } from "./restore.ts"

type BackupResult = { readonly backupId: string; readonly kind: string; readonly fellBack: string | null }

for (const backend of storeBackends) {
  describe(`disk backups on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)
    const owner = () => core.world.actors.owner
    const vmWithDisk = async () => {
      const vm = await core.run(seedVm(core.world))
      await core.complete(power(owner(), vm.id, "start"))
      const [disk] = await core.run(Store.use((s) => s.disks.list({ vmId: vm.id })))
      assert.ok(disk)
      return { vm, disk }
    }
    const write = (vm: Vm, path: string, content: string) =>
      core.run(core.fake.simulate.writeGuest(vm.hostname, path, content))
    const backup = async (vm: Vm, diskId: string) => {
      const task = await core.complete(backupDisk(owner(), vm.id, diskId))
      assert.equal(task.state, "succeeded", JSON.stringify(task.error))
      return task.result as BackupResult
    }
    const backupsOf = (diskId: string) => core.run(listBackups(owner(), diskId))
    const byId = (backups: ReadonlyArray<Backup>, id: string) => backups.find((b) => b.id === id)

    it("V4 full, then incremental; each restores into a new disk that reads back what the guest had", async () => {
      const { vm, disk } = await vmWithDisk()
      await write(vm, "/srv/orders.db", "order-1")
      await write(vm, "/etc/app.conf", "v1")
      const first = await backup(vm, disk.id)
      await write(vm, "/srv/orders.db", "order-1,order-2")
      const second = await backup(vm, disk.id)
      await write(vm, "/srv/orders.db", "after the backups")
      assert.equal(first.kind, "full")
      assert.equal(second.kind, "incremental")
      const listed = await backupsOf(disk.id)
      assert.equal(byId(listed, second.backupId)?.parentId, first.backupId)
      assert.match(
        byId(listed, first.backupId)?.location ?? "",
        /^\/var\/lib\/hyperx\/backups\/[-0-9a-f]+\/[-0-9a-f]+\.qcow2$/,
      )

      const restored = await core.complete(restoreBackup(owner(), second.backupId, { name: "orders-restored" }))
      assert.equal(restored.state, "succeeded", JSON.stringify(restored.error))
      const newDisk = await core.run(Store.use((s) => s.disks.get((restored.result as { diskId: string }).diskId)))
      assert.equal(newDisk.name, "orders-restored")
      assert.equal(newDisk.vmId, null)
      assert.equal(newDisk.ownerId, disk.ownerId)
      assert.equal(newDisk.departmentId, disk.departmentId)
      assert.deepEqual(await core.run(core.fake.simulate.readVolume(newDisk.path)), {
        "/srv/orders.db": "order-1,order-2",
        "/etc/app.conf": "v1",
      })
      const fromFull = await core.complete(restoreBackup(owner(), first.backupId))
      const fullDisk = await core.run(Store.use((s) => s.disks.get((fromFull.result as { diskId: string }).diskId)))
      assert.deepEqual(await core.run(core.fake.simulate.readVolume(fullDisk.path)), {
        "/srv/orders.db": "order-1",
        "/etc/app.conf": "v1",
      })
    })

    it("V4 a running VM's guest is frozen around the backup and thawed; a stopped VM's is not", async () => {
      const { vm, disk } = await vmWithDisk()
      const task = await core.complete(backupDisk(owner(), vm.id, disk.id))
      assert.equal((task.result as { quiesce: string }).quiesce, "frozen")
      assert.deepEqual(await core.run(core.fake.simulate.quiesceCounts(vm.hostname)), {
        frozen: false,
        freezes: 1,
        thaws: 1,
      })
      await core.complete(power(owner(), vm.id, "stop"))
      const stopped = await core.complete(backupDisk(owner(), vm.id, disk.id))
      assert.equal((stopped.result as { quiesce: string }).quiesce, "not-running")
    })

    it("V4 deleting a backup deletes the increments built on it; the chain ends and the next backup is full", async () => {
      const { vm, disk } = await vmWithDisk()
      const full = await backup(vm, disk.id)
      const inc1 = await backup(vm, disk.id)
      const inc2 = await backup(vm, disk.id)
      const task = await core.complete(deleteBackup(owner(), inc1.backupId))
      assert.equal(task.state, "succeeded")
      assert.deepEqual(
        [...(task.result as { deleted: ReadonlyArray<string> }).deleted].sort(),
        [inc1.backupId, inc2.backupId].sort(),
      )
      assert.deepEqual(
        (await backupsOf(disk.id)).map((b) => b.id),
        [full.backupId],
      )
      const paths = (await core.run(core.fake.simulate.volumes())).map((v) => v.path)
      assert.ok(!paths.some((p) => p.includes(inc1.backupId) || p.includes(inc2.backupId)))
      const next = await backup(vm, disk.id)
      assert.equal(next.kind, "full")
      assert.notEqual(next.fellBack, null)
      assert.equal(byId(await backupsOf(disk.id), next.backupId)?.parentId, null)
      assert.equal((await backup(vm, disk.id)).kind, "incremental")
    })

    it("G4 V4 an attached disk's backup is deleted under its VM's lock; a detached disk's with no VM and no lock", async () => {
      const { vm, disk } = await vmWithDisk()
      const first = await backup(vm, disk.id)
      const second = await backup(vm, disk.id)
      const holdLock = () =>
        core.run(Store.use((s) => s.vmLocks.claim(vm.id, "another-agent", "vm.rename", new Date())))
      const freeLock = () => core.run(Store.use((s) => s.vmLocks.release(vm.id, "another-agent")))
      await holdLock()
      const refused = await core.run(Effect.flip(deleteBackup(owner(), second.backupId)))
      assert.ok(refused instanceof RuleViolation && refused.rule === "vm-busy", String(refused))
      assert.equal((await backupsOf(disk.id)).length, 2, "nothing deleted")
      await freeLock()
      await core.run(Store.use((s) => s.disks.update(disk.id, { vmId: null })))
      await holdLock()
      const restored = await core.complete(restoreBackup(owner(), first.backupId))
      const deleted = await core.complete(deleteBackup(owner(), second.backupId))
      await freeLock()
      for (const task of [restored, deleted]) {
        assert.equal(task.state, "succeeded", JSON.stringify(task.error))
        assert.equal(task.vmId, null, "no VM: the disk stands alone")
      }
      assert.deepEqual(
        (await backupsOf(disk.id)).map((b) => b.id),
        [first.backupId],
      )
    })

    it("V4 a backup the hypervisor refuses is a failed task; a failed backup cannot be restored (backup-ready)", async () => {
      const { vm, disk } = await vmWithDisk()
      await core.run(core.fake.faults.failNext("backups.full", 1))
      const task = await core.complete(backupDisk(owner(), vm.id, disk.id))
      assert.equal(task.state, "failed")
      const [failed] = await backupsOf(disk.id)
      assert.equal(failed?.state, "failed")
      const disksBefore = (await core.run(Store.use((s) => s.disks.list()))).length
      const refused = await core.run(Effect.flip(restoreBackup(owner(), failed?.id ?? "")))
      assert.ok(refused instanceof RuleViolation)
      assert.equal(refused.rule, "backup-ready")
      assert.equal((await core.run(Store.use((s) => s.disks.list()))).length, disksBefore)
    })

    it("G2 a restored disk counts against the department's disk quota (quota-disk)", async () => {
      const { vm, disk } = await vmWithDisk()
      const made = await backup(vm, disk.id)
      const departmentId = disk.departmentId
      const usage = await core.run(Store.use((s) => s.quotas.usage(departmentId)))
      const set = (diskGiB: number | null) =>
        core.run(Store.use((s) => s.quotas.set({ departmentId, cpus: null, memoryMiB: null, diskGiB, vmCount: null })))
      await set(usage.diskGiB)
      try {
        const refused = await core.run(Effect.flip(restoreBackup(owner(), made.backupId)))
        assert.ok(refused instanceof RuleViolation)
        assert.equal(refused.rule, "quota-disk")
      } finally {
        await set(null)
      }
    })

    it("G1 backups of a disk outside the caller's scope are not found", async () => {
      const { vm, disk } = await vmWithDisk()
      const made = await backup(vm, disk.id)
      const outsider = core.world.actors.outsider
      assert.equal((await core.run(Effect.flip(listBackups(outsider, disk.id))))._tag, "NotFound")
      assert.equal((await core.run(Effect.flip(restoreBackup(outsider, made.backupId))))._tag, "NotFound")
      assert.equal((await core.run(Effect.flip(deleteBackup(outsider, made.backupId))))._tag, "NotFound")
    })
  })
}

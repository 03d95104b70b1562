import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import { RuleViolation } from "../errors.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { deleteVm, purgeVm, restoreVm } from "./delete.ts"
import { power } from "./power.ts"
import { seedVm } from "./testing/world.ts"

const store = <A, E>(f: (s: Store["Service"]) => Effect.Effect<A, E>) => Store.use(f)

for (const backend of storeBackends) {
  describe(`delete, recycle bin and restore on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)
    const runningVm = async (overrides = {}) => {
      const vm = await core.run(seedVm(core.world, overrides))
      await core.complete(power(core.world.actors.owner, vm.id, "start"))
      return vm
    }
    /** A data disk attached to the VM, as V2 would create it. */
    const addDataDisk = async (vmId: string) => {
      const vm = await core.run(store((s) => s.vms.get(vmId)))
      const id = randomUUID()
      await core.run(
        store((s) =>
          s.disks.insert({
            id,
            name: "data",
            departmentId: vm.departmentId,
            ownerId: vm.ownerId,
            hostId: vm.hostId,
            vmId,
            role: "data",
            storageClass: "standard",
            format: "qcow2",
            bus: "virtio",
            sizeGiB: 2,
            path: `/var/lib/hyperx/disks/${id}.qcow2`,
            backingPath: null,
            perDay: 0,
            createdAt: new Date(),
          }),
        ),
      )
      return id
    }

    it("B4 deletion-protected: a protected VM is refused and keeps running", async () => {
      const vm = await runningVm({ deletionProtected: true })
      const error = await core.run(Effect.flip(deleteVm(core.world.actors.owner, vm.id)))
      assert.ok(error instanceof RuleViolation)
      assert.equal(error.rule, "deletion-protected")
      const after = await core.run(store((s) => s.vms.get(vm.id)))
      assert.equal(after.state, "running")
      assert.equal(after.recycledAt, null)
    })

    it("B4 delete: a running VM is powered off into the recycle bin, disks kept; lists hide it, the bin shows it", async () => {
      const vm = await runningVm()
      const dataDisk = await addDataDisk(vm.id)
      const task = await core.complete(deleteVm(core.world.actors.owner, vm.id))
      assert.equal(task.state, "succeeded")
      assert.equal(task.operation, "vm.delete")
      const after = await core.run(store((s) => s.vms.get(vm.id)))
      assert.equal(after.state, "stopped")
      assert.ok(after.recycledAt instanceof Date)
      const inspect = await core.run(core.fake.driver.inspect(vm.hostname))
      assert.equal(inspect.power, "stopped")
      const disks = await core.run(store((s) => s.disks.list({ vmId: vm.id })))
      assert.deepEqual(disks.map((d) => d.role).sort(), ["data", "system"])
      assert.ok(disks.some((d) => d.id === dataDisk))
      const listed = await core.run(store((s) => s.vms.list({ ids: [vm.id] })))
      assert.equal(listed.length, 0)
      const bin = await core.run(store((s) => s.vms.list({ ids: [vm.id], recycled: true })))
      assert.equal(bin.length, 1)
    })

    it("G3 restore: only a superadmin restores from the recycle bin; the VM comes back stopped", async () => {
      const vm = await runningVm()
      await core.complete(deleteVm(core.world.actors.owner, vm.id))
      const byAdmin = await core.run(Effect.flip(restoreVm(core.world.actors.admin, vm.id)))
      assert.ok(byAdmin instanceof RuleViolation)
      assert.equal(byAdmin.rule, "superadmin-only")
      const task = await core.run(restoreVm(core.world.actors.superadmin, vm.id))
      assert.equal(task.state, "succeeded")
      const after = await core.run(store((s) => s.vms.get(vm.id)))
      assert.equal(after.recycledAt, null)
      assert.equal(after.state, "stopped")
      const again = await core.run(Effect.flip(restoreVm(core.world.actors.superadmin, vm.id)))
      assert.ok(again instanceof RuleViolation)
      assert.equal(again.rule, "recycled-only")
    })

    it("B4 a VM in the recycle bin cannot be started: not-recycled", async () => {
      const vm = await runningVm()
      await core.complete(deleteVm(core.world.actors.owner, vm.id))
      const error = await core.run(Effect.flip(power(core.world.actors.owner, vm.id, "start")))
      assert.ok(error instanceof RuleViolation)
      assert.equal(error.rule, "not-recycled")
    })

    it("B4 destroy completely: the VM, its domain and its system disk are gone; the data disk stays, detached", async () => {
      const vm = await runningVm()
      const dataDisk = await addDataDisk(vm.id)
      const recorder = await core.record()
      const task = await core.complete(deleteVm(core.world.actors.owner, vm.id, { destroy: true }))
      recorder.stop()
      assert.equal(task.state, "succeeded")
      assert.equal(task.operation, "vm.destroy")
      const gone = await core.run(Effect.flip(store((s) => s.vms.get(vm.id))))
      assert.equal(gone._tag, "NotFound")
      const inspect = await core.run(Effect.flip(core.fake.driver.inspect(vm.hostname)))
      assert.equal(inspect.reason._tag, "DomainNotFound")
      const kept = await core.run(store((s) => s.disks.get(dataDisk)))
      assert.equal(kept.vmId, null)
      const systemLeft = await core.run(store((s) => s.disks.list({ role: "system", ownerId: vm.ownerId })))
      assert.ok(!systemLeft.some((d) => d.path.includes(vm.id)))
      assert.ok(recorder.events.some((e) => e._tag === "vm-removed" && e.vmId === vm.id))
      const task2 = await core.run(store((s) => s.tasks.get(task.id)))
      assert.equal(task2.vmId, vm.id, "the task record outlives the VM")
    })

    it("B4 destroy completely with data disks: they are deleted too", async () => {
      const vm = await runningVm()
      const dataDisk = await addDataDisk(vm.id)
      await core.complete(deleteVm(core.world.actors.owner, vm.id, { destroy: true, deleteDataDisks: true }))
      const gone = await core.run(Effect.flip(store((s) => s.disks.get(dataDisk))))
      assert.equal(gone._tag, "NotFound")
    })

    it("G3 purge: an admin purges a recycled VM for good; a user may not", async () => {
      const vm = await runningVm()
      await core.complete(deleteVm(core.world.actors.owner, vm.id))
      const byUser = await core.run(Effect.flip(purgeVm(core.world.actors.owner, vm.id)))
      assert.ok(byUser instanceof RuleViolation)
      const task = await core.complete(purgeVm(core.world.actors.admin, vm.id))
      assert.equal(task.state, "succeeded")
      const gone = await core.run(Effect.flip(store((s) => s.vms.get(vm.id))))
      assert.equal(gone._tag, "NotFound")
    })
  })
}

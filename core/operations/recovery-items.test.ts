import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { backupDisk } from "./backups/backup.ts"
import { power } from "./power.ts"
import { recover } from "./recovery.ts"
import { createSnapshot } from "./snapshots/create.ts"
import { snapshotDriverName } from "./snapshots/records.ts"
import { beginTask } from "./tasks.ts"
import { seedVm } from "./testing/world.ts"
import { VmLocks } from "./vm-lock.ts"
import { scopeOf } from "./vm-state.ts"

for (const backend of storeBackends) {
  describe(`recovery of half-made items on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)

    it("R12 #16 a VM recorded in error while its host read down, whose guest lived on there, runs again on the agent's return", async () => {
      const vm = await core.run(seedVm(core.world))
      await core.complete(power(core.world.actors.owner, vm.id, "start"))
      const failed = await core.run(seedVm(core.world))
      // What the leader writes for a VM that is not HA when its host reads down; the hypervisor never stopped it.
      const down = "Its host is down and it is not HA."
      await core.run(Store.use((s) => s.vms.update(vm.id, { state: "error", stateReason: down })))
      // An error with nothing running stays as it is.
      await core.run(Store.use((s) => s.vms.update(failed.id, { state: "error", stateReason: down })))
      await core.run(recover())
      const back = await core.run(Store.use((s) => s.vms.get(vm.id)))
      assert.equal(back.state, "running")
      assert.match(back.stateReason ?? "", /still runs/)
      assert.equal((await core.run(Store.use((s) => s.vms.get(failed.id)))).state, "error")
    })

    it("P1 V4 a snapshot or backup left 'creating' by a crash is marked failed on start; ready ones stay", async () => {
      const vm = await core.run(seedVm(core.world))
      const [disk] = await core.run(Store.use((s) => s.disks.list({ vmId: vm.id })))
      const at = new Date()
      const snapshot = (state: "creating" | "ready") =>
        core.run(
          Store.use((s) =>
            s.snapshots.insert({
              id: randomUUID(),
              vmId: vm.id,
              name: state,
              withMemory: false,
              origin: "manual",
              scheduleId: null,
              state,
              sizeBytes: 0,
              createdAt: at,
            }),
          ),
        )
      const halfMade = await snapshot("creating")
      const done = await snapshot("ready")
      const backup = await core.run(
        Store.use((s) =>
          s.backups.insert({
            id: randomUUID(),
            diskId: disk?.id ?? "",
            vmId: vm.id,
            kind: "full",
            parentId: null,
            origin: "manual",
            scheduleId: null,
            location: "/tmp/nowhere.qcow2",
            sizeBytes: 0,
            state: "creating",
            createdAt: at,
          }),
        ),
      )
      await core.run(recover())
      assert.equal((await core.run(Store.use((s) => s.snapshots.get(halfMade.id)))).state, "failed")
      assert.equal((await core.run(Store.use((s) => s.snapshots.get(done.id)))).state, "ready")
      assert.equal((await core.run(Store.use((s) => s.backups.get(backup.id)))).state, "failed")
    })

    it("P1 V4 a guest left frozen by a backup the crash cut short is thawed on start; its task ends interrupted", async () => {
      const vm = await core.run(seedVm(core.world))
      await core.complete(power(core.world.actors.owner, vm.id, "start"))
      await core.run(core.fake.driver.quiesce?.freeze(vm.hostname) ?? Effect.void)
      // What the crash left: the guest frozen, the backup's task still running.
      const task = await core.run(
        beginTask({ operation: "disk.backup", actor: core.world.actors.owner, scope: scopeOf(vm), vmId: vm.id }),
      )
      assert.equal((await core.run(core.fake.simulate.quiesceCounts(vm.hostname))).frozen, true)
      await core.run(recover())
      assert.equal((await core.run(core.fake.simulate.quiesceCounts(vm.hostname))).frozen, false)
      const ended = await core.run(Store.use((s) => s.tasks.get(task.id)))
      assert.equal(ended.state, "failed")
      assert.equal(ended.error?.code, "interrupted")
    })

    it("a guest frozen while no snapshot or backup was cut short is left as it is", async () => {
      const vm = await core.run(seedVm(core.world))
      await core.complete(power(core.world.actors.owner, vm.id, "start"))
      await core.run(core.fake.driver.quiesce?.freeze(vm.hostname) ?? Effect.void)
      await core.run(recover())
      assert.equal((await core.run(core.fake.simulate.quiesceCounts(vm.hostname))).frozen, true)
      await core.run(core.fake.driver.quiesce?.thaw(vm.hostname) ?? Effect.void)
    })
    it("P1 #14 a snapshot the hypervisor completed while the agent was down is ready after recovery, its task succeeded", async () => {
      const vm = await core.run(seedVm(core.world))
      await core.complete(power(core.world.actors.owner, vm.id, "start"))
      const snapshot = await core.run(
        Store.use((s) =>
          s.snapshots.insert({
            id: randomUUID(),
            vmId: vm.id,
            name: "cut-short",
            withMemory: true,
            origin: "manual",
            scheduleId: null,
            state: "creating",
            sizeBytes: 0,
            createdAt: new Date(),
          }),
        ),
      )
      const task = await core.run(
        beginTask({
          operation: "snapshot.create",
          actor: core.world.actors.owner,
          scope: scopeOf(vm),
          vmId: vm.id,
          targetId: snapshot.id,
        }),
      )
      // What the crash left: the hypervisor finished the snapshot, the agent never recorded it.
      await core.run(
        core.fake.driver.snapshots?.create(vm.hostname, snapshotDriverName(snapshot), { withMemory: true }) ??
          Effect.void,
      )
      await core.run(recover())
      assert.equal((await core.run(Store.use((s) => s.snapshots.get(snapshot.id)))).state, "ready")
      const ended = await core.run(Store.use((s) => s.tasks.get(task.id)))
      assert.equal(ended.state, "succeeded")
    })

    it("P1 #12 a snapshot the crash kept from being recorded (taken while its record was written) is removed on start", async () => {
      const owner = core.world.actors.owner
      const vm = await core.run(seedVm(core.world))
      const other = await core.run(seedVm(core.world))
      await core.complete(power(owner, vm.id, "start"))
      await core.complete(power(owner, other.id, "start"))
      const kept = await core.complete(createSnapshot(owner, vm.id, { withMemory: true }))
      const keptName = snapshotDriverName({ id: (kept.result as { snapshotId: string }).snapshotId })
      const snapshots = core.fake.driver.snapshots
      if (snapshots === undefined) throw new Error("the fake driver takes snapshots")
      // What the crash left: the hypervisor's snapshot with no record, and the lock held for its creation by the
      // agent's earlier start; a snapshot someone else named, and on another VM an unrecorded one with no such lock.
      const unrecorded = snapshotDriverName({ id: randomUUID() })
      const elsewhere = snapshotDriverName({ id: randomUUID() })
      await core.run(snapshots.create(vm.hostname, unrecorded, { withMemory: true }))
      await core.run(snapshots.create(vm.hostname, "taken-by-hand", { withMemory: false }))
      await core.run(snapshots.create(other.hostname, elsewhere, { withMemory: false }))
      const holder = await core.run(VmLocks.use((locks) => Effect.succeed(locks.holder)))
      const earlier = `${holder.slice(0, holder.indexOf(":") + 1)}${randomUUID()}`
      await core.run(Store.use((s) => s.vmLocks.claim(vm.id, earlier, "snapshot.create", new Date())))
      await core.run(recover())
      const names = (await core.run(snapshots.list(vm.hostname))).map((info) => info.name).sort()
      assert.deepEqual(names, [keptName, "taken-by-hand"].sort())
      assert.deepEqual(
        (await core.run(snapshots.list(other.hostname))).map((info) => info.name),
        [elsewhere],
        "only a VM whose snapshot's creation was cut short is swept",
      )
      assert.equal(await core.run(Store.use((s) => s.vmLocks.holder(vm.id))), undefined, "the lock is free")
      assert.equal((await core.complete(createSnapshot(owner, vm.id, { withMemory: true }))).state, "succeeded")
    })

    it("V4 #14 a failed snapshot (nothing on the disk) does not block a backup of the VM's disk", async () => {
      const vm = await core.run(seedVm(core.world))
      await core.complete(power(core.world.actors.owner, vm.id, "start"))
      const [disk] = await core.run(Store.use((s) => s.disks.list({ vmId: vm.id })))
      await core.run(
        Store.use((s) =>
          s.snapshots.insert({
            id: randomUUID(),
            vmId: vm.id,
            name: "failed-one",
            withMemory: false,
            origin: "manual",
            scheduleId: null,
            state: "failed",
            sizeBytes: 0,
            createdAt: new Date(),
          }),
        ),
      )
      const task = await core.complete(backupDisk(core.world.actors.owner, vm.id, disk?.id ?? ""))
      assert.equal(task.state, "succeeded")
    })
  })
}

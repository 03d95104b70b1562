import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { Store } from "./ports.ts"
import { insertWorld, sampleBundle, sampleRows, sampleWorld, storeBackends, useStore } from "./testing.ts"

const freshWorld = Effect.gen(function* () {
  const store = yield* Store
  const world = yield* insertWorld(sampleWorld())
  return { store, world }
})

for (const backend of storeBackends) {
  describe(`store on ${backend.name}: purge and quota usage`, { skip: backend.skip }, () => {
    const runStore = useStore(backend)

    it("G3 purge removes the VM with its NICs, snapshots and schedules, and only the disks listed", () =>
      runStore(
        Effect.gen(function* () {
          const { store, world } = yield* freshWorld
          const bundle = sampleBundle(world)
          const vmId = bundle.vm.id
          const [system] = bundle.disks
          assert.ok(system)
          const data = sampleRows.disk({ departmentId: world.department.id, ownerId: world.user.id, vmId })
          const bystander = sampleBundle(world)
          yield* store.vms.insertBundles([{ ...bundle, disks: [system, data] }, bystander])
          const by = world.user.id
          const snapshotSchedule = yield* store.schedules.insert(
            sampleRows.schedule({ target: { kind: "vm-snapshot", vmId, withMemory: true }, createdBy: by }),
          )
          yield* store.snapshots.insert(
            sampleRows.snapshot({ vmId, origin: "scheduled", scheduleId: snapshotSchedule.id }),
          )
          yield* store.schedules.insert(
            sampleRows.schedule({ target: { kind: "disk-backup", diskId: system.id }, createdBy: by }),
          )
          const keptSchedule = yield* store.schedules.insert(
            sampleRows.schedule({ target: { kind: "disk-backup", diskId: data.id }, createdBy: by }),
          )
          const gpu = yield* store.hostDevices.insert(sampleRows.hostDevice({ hostId: world.host.id, vmId }))
          const alarm = yield* store.alarmRules.insert(sampleRows.alarmRule({ vmId }))
          const task = yield* store.tasks.insert(
            sampleRows.task({
              operation: "vm.purge",
              vmId,
              userId: by,
              companyId: world.company.id,
              departmentId: world.department.id,
            }),
          )

          yield* store.vms.purge(vmId, [system.id])

          assert.equal((yield* Effect.flip(store.vms.get(vmId)))._tag, "NotFound")
          assert.deepEqual(yield* store.nics.list({ vmId }), [])
          assert.deepEqual(yield* store.snapshots.list({ vmId }), [])
          assert.deepEqual(yield* store.schedules.list({ vmId }), [])
          assert.deepEqual(yield* store.schedules.list({ diskId: system.id }), [])
          assert.equal((yield* Effect.flip(store.disks.get(system.id)))._tag, "NotFound")
          assert.deepEqual(yield* store.alarmRules.list({ id: alarm.id }), [])
          // What was not listed stays: the data disk, detached, with its backup schedule.
          assert.deepEqual(yield* store.disks.get(data.id), { ...data, vmId: null })
          assert.deepEqual(yield* store.schedules.list({ diskId: data.id }), [keptSchedule])
          assert.deepEqual(yield* store.hostDevices.get(gpu.id), { ...gpu, vmId: null })
          // G4: the task record outlives the VM.
          assert.deepEqual(yield* store.tasks.get(task.id), task)
          // Nothing of another VM is touched.
          assert.deepEqual(yield* store.vms.get(bystander.vm.id), bystander.vm)
          assert.deepEqual(yield* store.nics.list({ vmId: bystander.vm.id }), bystander.nics)
          assert.deepEqual(yield* store.disks.list({ vmId: bystander.vm.id }), bystander.disks)
        }),
      ))

    it("G2 usage sums the department's VMs, recycled ones included, and each disk it owns or has attached once", () =>
      runStore(
        Effect.gen(function* () {
          const { store, world } = yield* freshWorld
          const departmentId = world.department.id
          assert.deepEqual(yield* store.quotas.usage(departmentId), { cpus: 0, memoryMiB: 0, diskGiB: 0, vmCount: 0 })

          const running = sampleBundle(world, { vm: { cpus: 4, memoryMiB: 8192 }, disk: { sizeGiB: 40 } })
          const recycled = sampleBundle(world, {
            vm: { cpus: 2, memoryMiB: 2048, recycledAt: new Date() },
            disk: { sizeGiB: 20 },
          })
          yield* store.vms.insertBundles([running, recycled])
          // A detached disk the department owns counts; so does another department's disk attached to our VM.
          yield* store.disks.insert(sampleRows.disk({ departmentId, ownerId: world.user.id, sizeGiB: 100 }))
          const elsewhere = yield* insertWorld(sampleWorld())
          yield* store.disks.insert(
            sampleRows.disk({
              departmentId: elsewhere.department.id,
              ownerId: elsewhere.user.id,
              vmId: running.vm.id,
              sizeGiB: 5,
            }),
          )
          // The other department's own VM does not count here.
          yield* store.vms.insertBundles([sampleBundle(elsewhere, { vm: { cpus: 16 }, disk: { sizeGiB: 500 } })])

          assert.deepEqual(yield* store.quotas.usage(departmentId), {
            cpus: 6,
            memoryMiB: 10_240,
            diskGiB: 40 + 20 + 100 + 5,
            vmCount: 2,
          })
          // Purged, the recycled VM and the disk deleted with it stop counting.
          const [recycledDisk] = recycled.disks
          yield* store.vms.purge(recycled.vm.id, recycledDisk === undefined ? [] : [recycledDisk.id])
          assert.deepEqual(yield* store.quotas.usage(departmentId), {
            cpus: 4,
            memoryMiB: 8192,
            diskGiB: 145,
            vmCount: 1,
          })
        }),
      ))
  })
}

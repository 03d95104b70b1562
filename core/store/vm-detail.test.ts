import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { Store } from "./ports.ts"
import { insertWorld, sampleBundle, sampleRows, sampleWorld, storeBackends, useStore } from "./testing.ts"

for (const backend of storeBackends) {
  describe(`vms.detail on ${backend.name} (D1–D4 in one statement, #14 bench/load)`, { skip: backend.skip }, () => {
    const run = useStore(backend)

    it("reads exactly what the separate reads read: record, disks, NICs, devices, counts, lock, names, image traits", async () => {
      await run(
        Effect.gen(function* () {
          const store = yield* Store
          const world = yield* insertWorld(sampleWorld())
          const bundle = sampleBundle(world, {
            vm: { hostId: world.host.id, tags: { team: "a" } },
            nic: { secondaryIps: ["10.0.0.9", "10.0.0.10"] },
          })
          const data = sampleRows.disk({
            name: `${bundle.vm.hostname}-data`,
            role: "data",
            departmentId: bundle.vm.departmentId,
            ownerId: bundle.vm.ownerId,
            vmId: bundle.vm.id,
            backingPath: "/var/lib/hyperx/base.qcow2",
            createdAt: new Date("2026-12-01T00:00:00.123Z"),
          })
          yield* store.vms.insertBundles([{ ...bundle, disks: [...bundle.disks, data] }])
          for (const kind of ["gpu", "usb", "usb"] as const) {
            yield* store.hostDevices.insert(sampleRows.hostDevice({ hostId: world.host.id, vmId: bundle.vm.id, kind }))
          }
          yield* store.snapshots.insert(sampleRows.snapshot({ vmId: bundle.vm.id, state: "ready" }))
          yield* store.snapshots.insert(sampleRows.snapshot({ vmId: bundle.vm.id, state: "failed" }))
          yield* store.vmLocks.claim(bundle.vm.id, "test:holder", "vm.start", new Date())

          const detail = yield* store.vms.detail(bundle.vm.id)
          assert.deepEqual(detail.vm, yield* store.vms.get(bundle.vm.id))
          assert.deepEqual(detail.disks, yield* store.disks.list({ vmId: bundle.vm.id }))
          assert.equal(detail.disks.length, 2)
          assert.ok(detail.disks.every((disk) => disk.createdAt instanceof Date))
          assert.deepEqual(detail.nics, yield* store.nics.list({ vmId: bundle.vm.id }))
          assert.deepEqual(detail.nics[0]?.secondaryIps, ["10.0.0.9", "10.0.0.10"])
          assert.deepEqual(detail.devices, yield* store.hostDevices.list({ vmId: bundle.vm.id }))
          assert.deepEqual(detail.facts, yield* store.vms.facts(bundle.vm.id))
          assert.equal(detail.facts.snapshots, 1)
          assert.equal(detail.facts.usbDevices, 2)
          assert.equal(detail.locked, true)
          assert.deepEqual(detail.owner, { id: world.user.id, name: world.user.name })
          assert.deepEqual(detail.company, { id: world.company.id, name: world.company.name })
          assert.deepEqual(detail.department, { id: world.department.id, name: world.department.name })
          assert.deepEqual(detail.host, { id: world.host.id, name: world.host.name })
          assert.deepEqual(detail.flavor, { id: world.flavor.id, name: world.flavor.name })
          assert.deepEqual(detail.image, { id: world.image.id, name: world.image.name })
          assert.deepEqual(detail.imageTraits, {
            osFamily: world.image.osFamily,
            passwordManaged: world.image.passwordManaged,
          })

          yield* store.vmLocks.release(bundle.vm.id, "test:holder")
          const bare = yield* store.vms.detail(bundle.vm.id)
          assert.equal(bare.locked, false)
        }),
      )
    })

    it("a VM with nothing attached and no host: empty lists, null names; a missing VM is NotFound", async () => {
      await run(
        Effect.gen(function* () {
          const store = yield* Store
          const world = yield* insertWorld(sampleWorld())
          const bundle = sampleBundle(world, { vm: { hostId: null } })
          yield* store.vms.insertBundles([{ ...bundle, disks: [], nics: [] }])
          const detail = yield* store.vms.detail(bundle.vm.id)
          assert.deepEqual([detail.disks, detail.nics, detail.devices], [[], [], []])
          assert.equal(detail.host, null)
          assert.equal(detail.locked, false)
          const missing = yield* Effect.flip(store.vms.detail("00000000-0000-4000-8000-000000000000"))
          assert.equal(missing._tag, "NotFound")
        }),
      )
    })
  })
}

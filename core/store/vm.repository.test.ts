import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { Store } from "./ports.ts"
import { insertWorld, sampleBundle, sampleRows, sampleWorld, storeBackends, useStore } from "./testing.ts"

const ids = (rows: ReadonlyArray<{ readonly id: string }>) => rows.map((row) => row.id).sort()

/** A fresh organisation (so that department-wide counts start at zero) in the shared database. */
const freshWorld = Effect.gen(function* () {
  const store = yield* Store
  const world = yield* insertWorld(sampleWorld())
  return { store, world }
})

for (const backend of storeBackends) {
  describe(`store on ${backend.name}: vms`, { skip: backend.skip }, () => {
    const runStore = useStore(backend)

    it("insertBundles writes each VM with its disks, NICs and affinity groups in order", () =>
      runStore(
        Effect.gen(function* () {
          const { store, world } = yield* freshWorld
          const groups = [
            yield* store.affinityGroups.insert(sampleRows.affinityGroup({ departmentId: world.department.id })),
            yield* store.affinityGroups.insert(sampleRows.affinityGroup({ departmentId: world.department.id })),
          ]
          const first = sampleBundle(world, {
            vm: { tags: { "app-group": "shop", app_role: "web" }, components: ["domain-join"] },
          })
          const second = sampleBundle(world, { vm: { affinityGroupIds: [groups[1]?.id ?? "", groups[0]?.id ?? ""] } })
          yield* store.vms.insertBundles([first, second])
          for (const bundle of [first, second]) {
            assert.deepEqual(yield* store.vms.get(bundle.vm.id), bundle.vm)
            assert.deepEqual(yield* store.disks.list({ vmId: bundle.vm.id }), bundle.disks)
            assert.deepEqual(yield* store.nics.list({ vmId: bundle.vm.id }), bundle.nics)
          }
        }),
      ))

    it("C8 a batch in which one VM breaks a constraint inserts nothing of the batch", () =>
      runStore(
        Effect.gen(function* () {
          const { store, world } = yield* freshWorld
          const existing = sampleBundle(world)
          yield* store.vms.insertBundles([existing])
          const [taken] = existing.nics
          assert.ok(taken)
          const fine = [sampleBundle(world), sampleBundle(world)]
          // The third VM asks for an address another VM already holds on the subnet.
          const clash = sampleBundle(world, { nic: { primaryIp: taken.primaryIp } })
          const batch = [...fine, clash]
          // IPAM's ledger refuses it by name, in the insert's transaction (C6, C8)
          const failure = yield* Effect.flip(store.vms.insertBundles(batch))
          assert.equal(failure._tag, "IpamRefusal")
          assert.equal(failure._tag === "IpamRefusal" ? failure.rule : "", "fixed-ip-available")
          for (const bundle of batch) {
            assert.equal((yield* Effect.flip(store.vms.get(bundle.vm.id)))._tag, "NotFound")
            assert.deepEqual(yield* store.disks.list({ vmId: bundle.vm.id }), [])
            assert.deepEqual(yield* store.nics.list({ vmId: bundle.vm.id }), [])
          }
          // A duplicate hostname inside the batch is refused the same way.
          const twin = sampleBundle(world)
          const sameName = sampleBundle(world, { vm: { hostname: twin.vm.hostname } })
          assert.equal((yield* Effect.flip(store.vms.insertBundles([twin, sameName])))._tag, "StoreError")
          assert.deepEqual(yield* store.vms.list({ ids: [twin.vm.id, sameName.vm.id] }), [])
          assert.deepEqual(ids(yield* store.vms.list({ departmentId: world.department.id })), [existing.vm.id])
        }),
      ))

    it("G3 list filters by organisation, owner, state, host and name prefix; the recycle bin only when asked", () =>
      runStore(
        Effect.gen(function* () {
          const { store, world } = yield* freshWorld
          const other = yield* store.users.insert(
            sampleRows.user({ companyId: world.company.id, departmentId: world.department.id }),
          )
          const running = sampleBundle(world, { vm: { state: "running", hostId: world.host.id, displayName: "web_1" } })
          const stopped = sampleBundle(world, { vm: { ownerId: other.id, displayName: "web%2" } })
          const recycled = sampleBundle(world, { vm: { recycledAt: new Date(), displayName: "db" } })
          yield* store.vms.insertBundles([running, stopped, recycled])
          const department = { departmentId: world.department.id }

          assert.deepEqual(ids(yield* store.vms.list(department)), ids([running.vm, stopped.vm]))
          assert.deepEqual(ids(yield* store.vms.list({ ...department, recycled: true })), [recycled.vm.id])
          assert.deepEqual(ids(yield* store.vms.list({ companyId: world.company.id })), ids([running.vm, stopped.vm]))
          assert.deepEqual(ids(yield* store.vms.list({ ...department, ownerId: other.id })), [stopped.vm.id])
          assert.deepEqual(ids(yield* store.vms.list({ ...department, states: ["running"] })), [running.vm.id])
          assert.deepEqual(yield* store.vms.list({ ...department, states: [] }), [])
          assert.deepEqual(ids(yield* store.vms.list({ hostId: world.host.id })), [running.vm.id])
          assert.deepEqual(
            ids(yield* store.vms.list({ ...department, displayNamePrefix: "web" })),
            ids([running.vm, stopped.vm]),
          )
          // % and _ in a prefix are literal characters, not patterns.
          assert.deepEqual(ids(yield* store.vms.list({ ...department, displayNamePrefix: "web%" })), [stopped.vm.id])
          assert.deepEqual(ids(yield* store.vms.list({ ...department, displayNamePrefix: "web_" })), [running.vm.id])
          assert.deepEqual(ids(yield* store.vms.list({ ids: [running.vm.id, recycled.vm.id] })), [running.vm.id])
        }),
      ))

    it("update applies the patch, bumps the version and updatedAt, and replaces affinity groups", () =>
      runStore(
        Effect.gen(function* () {
          const { store, world } = yield* freshWorld
          const group = yield* store.affinityGroups.insert(
            sampleRows.affinityGroup({ departmentId: world.department.id }),
          )
          const { vm } = sampleBundle(world, { vm: { updatedAt: new Date("2026-01-01T00:00:00Z") } })
          yield* store.vms.insertBundles([{ vm, disks: [], nics: [] }])
          const renamed = yield* store.vms.update(vm.id, { displayName: "renamed", affinityGroupIds: [group.id] }, 0)
          assert.equal(renamed.displayName, "renamed")
          assert.deepEqual(renamed.affinityGroupIds, [group.id])
          assert.equal(renamed.version, 1)
          assert.ok(renamed.updatedAt > vm.updatedAt)
          assert.deepEqual(yield* store.vms.get(vm.id), renamed)
          // Without an expected version the write always lands, and still bumps the version.
          const stopped = yield* store.vms.update(vm.id, { state: "running", affinityGroupIds: [] })
          assert.equal(stopped.version, 2)
          assert.deepEqual(stopped.affinityGroupIds, [])
        }),
      ))

    it("update with a stale version fails with VersionConflict and changes nothing; a missing VM is NotFound", () =>
      runStore(
        Effect.gen(function* () {
          const { store, world } = yield* freshWorld
          const bundle = sampleBundle(world)
          yield* store.vms.insertBundles([bundle])
          const current = yield* store.vms.update(bundle.vm.id, { remarks: "first" }, 0)
          const conflict = yield* Effect.flip(store.vms.update(bundle.vm.id, { remarks: "second" }, 0))
          assert.deepEqual({ ...conflict }, { _tag: "VersionConflict", resource: "vm", id: bundle.vm.id })
          assert.deepEqual(yield* store.vms.get(bundle.vm.id), current)
          const missing = yield* Effect.flip(store.vms.update("no-such-vm", { remarks: "x" }, 0))
          assert.equal(missing._tag, "NotFound")
        }),
      ))

    it("facts count snapshots, snapshot schedules, disk backups and backup schedules, GPUs and USB devices", () =>
      runStore(
        Effect.gen(function* () {
          const { store, world } = yield* freshWorld
          const bundle = sampleBundle(world)
          const bystander = sampleBundle(world)
          yield* store.vms.insertBundles([bundle, bystander])
          const vmId = bundle.vm.id
          const [disk] = bundle.disks
          const [otherDisk] = bystander.disks
          assert.ok(disk && otherDisk)
          assert.deepEqual(yield* store.vms.facts(vmId), {
            snapshots: 0,
            snapshotSchedules: 0,
            backups: 0,
            backupSchedules: 0,
            gpus: 0,
            usbDevices: 0,
          })
          const by = world.user.id
          yield* store.snapshots.insert(sampleRows.snapshot({ vmId }))
          yield* store.snapshots.insert(sampleRows.snapshot({ vmId }))
          yield* store.snapshots.insert(sampleRows.snapshot({ vmId: bystander.vm.id }))
          yield* store.schedules.insert(
            sampleRows.schedule({ target: { kind: "vm-snapshot", vmId, withMemory: false }, createdBy: by }),
          )
          yield* store.schedules.insert(
            sampleRows.schedule({ target: { kind: "disk-backup", diskId: disk.id }, createdBy: by }),
          )
          yield* store.schedules.insert(
            sampleRows.schedule({ target: { kind: "disk-backup", diskId: otherDisk.id }, createdBy: by }),
          )
          yield* store.backups.insert(sampleRows.backup({ diskId: disk.id }))
          yield* store.backups.insert(sampleRows.backup({ diskId: disk.id, kind: "incremental" }))
          yield* store.backups.insert(sampleRows.backup({ diskId: disk.id, vmId }))
          yield* store.backups.insert(sampleRows.backup({ diskId: otherDisk.id }))
          const device = (kind: "gpu" | "usb", vm: string | null) =>
            store.hostDevices.insert(sampleRows.hostDevice({ hostId: world.host.id, kind, vmId: vm }))
          yield* device("gpu", vmId)
          yield* device("usb", vmId)
          yield* device("usb", vmId)
          yield* device("gpu", null)
          yield* device("gpu", bystander.vm.id)
          assert.deepEqual(yield* store.vms.facts(vmId), {
            snapshots: 2,
            snapshotSchedules: 1,
            backups: 3,
            backupSchedules: 1,
            gpus: 1,
            usbDevices: 2,
          })
        }),
      ))
  })
}

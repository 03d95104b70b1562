import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { type Repository, Store } from "./ports.ts"
import { insertWorld, sampleBundle, sampleRows, sampleWorld, storeBackends, useStore } from "./testing.ts"

type Service = Store["Service"]

/** A world with one VM (system disk, one NIC) in the shared database. */
const fixture = Effect.gen(function* () {
  const store = yield* Store
  const world = yield* insertWorld(sampleWorld())
  const bundle = sampleBundle(world)
  yield* store.vms.insertBundles([bundle])
  const [disk] = bundle.disks
  assert.ok(disk)
  return { store, world, vm: bundle.vm, disk }
})
type Fixture = Effect.Success<typeof fixture>

for (const backend of storeBackends) {
  describe(`store on ${backend.name}: repositories`, { skip: backend.skip }, () => {
    const runStore = useStore(backend)

    const roundTrip = <T extends { readonly id: string }>(
      name: string,
      repository: (store: Service) => Repository<T>,
      make: (fixture: Fixture) => T,
      patch: Partial<Omit<T, "id" | "createdAt">>,
    ) =>
      it(`${name}: insert → get returns what was inserted; list, update, remove`, () =>
        runStore(
          Effect.gen(function* () {
            const f = yield* fixture
            const repo = repository(f.store)
            const row = make(f)
            assert.deepEqual(yield* repo.insert(row), row)
            assert.deepEqual(yield* repo.get(row.id), row)
            assert.deepEqual(yield* repo.list({ id: row.id } as Partial<T>), [row])
            assert.deepEqual(yield* repo.update(row.id, patch), { ...row, ...patch })
            assert.deepEqual(yield* repo.get(row.id), { ...row, ...patch })
            yield* repo.remove(row.id)
            const gone = yield* Effect.flip(repo.get(row.id))
            assert.equal(gone._tag, "NotFound")
            assert.deepEqual(yield* repo.list({ id: row.id } as Partial<T>), [])
          }),
        ))

    roundTrip(
      "companies",
      (s) => s.companies,
      () => sampleRows.company(),
      { name: "Globex" },
    )
    roundTrip(
      "departments",
      (s) => s.departments,
      ({ world }) => sampleRows.department({ companyId: world.company.id }),
      { reclaimPolicy: "recycle", reclaimNoticeDays: 3 },
    )
    roundTrip(
      "users",
      (s) => s.users,
      ({ world }) => sampleRows.user({ companyId: world.company.id, departmentId: world.department.id }),
      { role: "superadmin", email: "boss@example.com" },
    )
    roundTrip(
      "apiTokens",
      (s) => s.apiTokens,
      ({ world }) => sampleRows.apiToken({ userId: world.user.id, expiresAt: new Date("2027-01-01T00:00:00Z") }),
      { lastUsedAt: new Date("2026-11-26T08:00:00.123Z") },
    )
    roundTrip(
      "prices",
      (s) => s.prices,
      () => sampleRows.price({ item: "service" }),
      { perDay: 9 },
    )
    roundTrip(
      "flavors",
      (s) => s.flavors,
      () => sampleRows.flavor(),
      { gpuAllowed: true, perDay: 1200 },
    )
    roundTrip(
      "images",
      (s) => s.images,
      ({ world, vm }) =>
        sampleRows.image({
          boot: { kind: "kernel", kernel: "/boot/vmlinuz", initrd: "/boot/initrd", cmdline: "console=ttyS0" },
          departmentId: world.department.id,
          sourceVmId: vm.id,
        }),
      // Past 2^31: the bigint column must come back as the same number.
      { sizeBytes: 12_884_901_888, boot: { kind: "disk" } },
    )
    roundTrip(
      "hosts",
      (s) => s.hosts,
      ({ world }) => sampleRows.host({ dedicatedDepartmentId: world.department.id, heartbeatAt: new Date() }),
      { state: "maintenance", cpuOvercommitPercent: 150 },
    )
    roundTrip(
      "hostDevices",
      (s) => s.hostDevices,
      ({ world }) => sampleRows.hostDevice({ hostId: world.host.id, kind: "usb", address: "1-2" }),
      { vmId: null, model: "YubiKey" },
    )
    roundTrip(
      "affinityGroups",
      (s) => s.affinityGroups,
      ({ world }) => sampleRows.affinityGroup({ departmentId: world.department.id }),
      { policy: "affinity" },
    )
    roundTrip(
      "disks",
      (s) => s.disks,
      ({ world }) => sampleRows.disk({ departmentId: world.department.id, ownerId: world.user.id }),
      { sizeGiB: 40, backingPath: "/var/lib/hyperx/images/base.qcow2" },
    )
    roundTrip(
      "snapshots",
      (s) => s.snapshots,
      ({ vm }) => sampleRows.snapshot({ vmId: vm.id, withMemory: true }),
      { state: "failed", sizeBytes: 6_442_450_944 },
    )
    roundTrip(
      "backups",
      (s) => s.backups,
      ({ vm, disk }) => sampleRows.backup({ diskId: disk.id, vmId: vm.id }),
      { state: "failed" },
    )
    roundTrip(
      "schedules",
      (s) => s.schedules as unknown as Repository<ReturnType<typeof sampleRows.schedule>>,
      ({ world, vm }) =>
        sampleRows.schedule({
          target: { kind: "vm-snapshot", vmId: vm.id, withMemory: true },
          createdBy: world.user.id,
        }),
      { period: "weekly", dayOfWeek: 5, lastRunAt: new Date("2026-11-20T02:30:00Z") },
    )
    roundTrip(
      "networks",
      (s) => s.networks,
      ({ world }) =>
        sampleRows.network({
          kind: "isolated",
          departmentId: world.department.id,
          backing: { kind: "bridge", bridge: "br0" },
        }),
      { name: "isolated-2", backing: { kind: "user" } },
    )
    roundTrip(
      "subnets",
      (s) => s.subnets,
      ({ world }) => sampleRows.subnet({ networkId: world.network.id, cidr: "192.168.10.0/24" }),
      { dns: ["1.1.1.1", "8.8.8.8"], dhcp: false },
    )
    roundTrip(
      "nics",
      (s) => s.nics,
      ({ world, vm }) => sampleRows.nic({ vmId: vm.id, subnetId: world.subnet.id, isDefault: false }),
      { secondaryIps: ["10.200.0.7", "10.200.0.8"], dhcp: false },
    )
    roundTrip(
      "keyPairs",
      (s) => s.keyPairs,
      ({ world }) => sampleRows.keyPair({ userId: world.user.id }),
      { name: "laptop" },
    )
    roundTrip(
      "alarmRules",
      (s) => s.alarmRules,
      ({ world, vm }) => sampleRows.alarmRule({ vmId: vm.id, recipientUserIds: [world.user.id] }),
      { thresholdPercent: 92.5, lastFiredAt: new Date("2026-11-26T01:02:03.456Z"), enabled: false },
    )

    it("list matches every given field by equality, null included", () =>
      runStore(
        Effect.gen(function* () {
          const { store, world } = yield* fixture
          const inDepartment = { companyId: world.company.id, departmentId: world.department.id }
          const bob = yield* store.users.insert(sampleRows.user({ ...inDepartment, name: "Bob", role: "user" }))
          const carol = yield* store.users.insert(sampleRows.user({ ...inDepartment, name: "Carol", role: "user" }))
          const users = yield* store.users.list({ departmentId: world.department.id })
          assert.deepEqual(users.map((u) => u.id).sort(), [world.user.id, bob.id, carol.id].sort())
          const plain = yield* store.users.list({ departmentId: world.department.id, role: "user" })
          assert.deepEqual(plain.map((u) => u.id).sort(), [bob.id, carol.id].sort())

          const own = yield* store.images.insert(sampleRows.image({ departmentId: world.department.id }))
          const publicImages = yield* store.images.list({ departmentId: null })
          assert.ok(publicImages.some((image) => image.id === world.image.id))
          assert.ok(!publicImages.some((image) => image.id === own.id))
        }),
      ))

    it("schedules filter by kind, VM and disk of their target", () =>
      runStore(
        Effect.gen(function* () {
          const { store, world, vm, disk } = yield* fixture
          const snapshots = yield* store.schedules.insert(
            sampleRows.schedule({
              target: { kind: "vm-snapshot", vmId: vm.id, withMemory: false },
              createdBy: world.user.id,
            }),
          )
          const backups = yield* store.schedules.insert(
            sampleRows.schedule({ target: { kind: "disk-backup", diskId: disk.id }, createdBy: world.user.id }),
          )
          assert.deepEqual(yield* store.schedules.list({ vmId: vm.id }), [snapshots])
          assert.deepEqual(yield* store.schedules.list({ diskId: disk.id }), [backups])
          assert.deepEqual(yield* store.schedules.list({ kind: "disk-backup", diskId: disk.id }), [backups])
          assert.deepEqual(yield* store.schedules.list({ kind: "disk-backup", vmId: vm.id }), [])
        }),
      ))

    it("get and update of a missing row fail with NotFound naming it", () =>
      runStore(
        Effect.gen(function* () {
          const store = yield* Store
          assert.deepEqual(
            { ...(yield* Effect.flip(store.flavors.get("no-such-flavor"))) },
            { _tag: "NotFound", resource: "flavor", id: "no-such-flavor" },
          )
          const missing = yield* Effect.flip(store.companies.update("no-such-company", { name: "x" }))
          assert.equal(missing._tag, "NotFound")
        }),
      ))

    it("an empty patch changes nothing and returns the row", () =>
      runStore(
        Effect.gen(function* () {
          const store = yield* Store
          const company = yield* store.companies.insert(sampleRows.company())
          assert.deepEqual(yield* store.companies.update(company.id, {}), company)
        }),
      ))

    it("a broken reference or a duplicate is a StoreError that is not retryable", () =>
      runStore(
        Effect.gen(function* () {
          const store = yield* Store
          const orphan = yield* Effect.flip(store.departments.insert(sampleRows.department({ companyId: "nowhere" })))
          assert.equal(orphan._tag, "StoreError")
          assert.equal(orphan.retryable, false)
          assert.match(orphan.message, /23503/)
          const company = yield* store.companies.insert(sampleRows.company())
          const twice = yield* Effect.flip(store.companies.insert(company))
          assert.equal(twice._tag, "StoreError")
          assert.match(twice.message, /23505/)
        }),
      ))

    it("api tokens are found by the hash of their secret", () =>
      runStore(
        Effect.gen(function* () {
          const { store, world } = yield* fixture
          const token = yield* store.apiTokens.insert(sampleRows.apiToken({ userId: world.user.id }))
          assert.deepEqual(yield* store.apiTokens.findBySecretHash(token.secretHash), token)
          assert.equal(yield* store.apiTokens.findBySecretHash("not-a-known-hash"), undefined)
          const user = world.user
          assert.deepEqual(yield* store.apiTokens.findHolder(token.secretHash), {
            tokenId: token.id,
            userId: user.id,
            role: user.role,
            companyId: user.companyId,
            departmentId: user.departmentId,
            expiresAt: token.expiresAt,
            lastUsedAt: token.lastUsedAt,
          })
          assert.equal(yield* store.apiTokens.findHolder("not-a-known-hash"), undefined)
        }),
      ))

    it("G2 a department without a quota row is unlimited; set writes and overwrites its quota", () =>
      runStore(
        Effect.gen(function* () {
          const { store, world } = yield* fixture
          const departmentId = world.department.id
          assert.deepEqual(yield* store.quotas.get(departmentId), {
            departmentId,
            cpus: null,
            memoryMiB: null,
            diskGiB: null,
            vmCount: null,
          })
          const quota = sampleRows.quota({ departmentId })
          assert.deepEqual(yield* store.quotas.set(quota), quota)
          assert.deepEqual(yield* store.quotas.get(departmentId), quota)
          const relaxed = { ...quota, cpus: null, vmCount: 50 }
          assert.deepEqual(yield* store.quotas.set(relaxed), relaxed)
          assert.deepEqual(yield* store.quotas.get(departmentId), relaxed)
        }),
      ))
  })
}

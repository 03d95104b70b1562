import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import type { Department, Flavor, Host, Image, User, Vm } from "../../model/index.ts"
import type { Actor } from "../../rules/context.ts"
import { Store } from "../../store/ports.ts"
import { sampleRows } from "../../store/testing/sample-rows.ts"

/** A small platform for operation tests: one company with two departments, users of each role, a host. */
export interface World {
  readonly host: Host
  readonly flavor: Flavor
  readonly image: Image
  readonly departments: readonly [Department, Department]
  readonly users: { readonly owner: User; readonly admin: User; readonly superadmin: User; readonly outsider: User }
  readonly actors: {
    readonly owner: Actor
    readonly admin: Actor
    readonly superadmin: Actor
    readonly outsider: Actor
  }
}

const at = new Date("2026-11-26T00:00:00Z")

export const actorOf = (user: User): Actor => ({
  userId: user.id,
  role: user.role,
  companyId: user.companyId,
  departmentId: user.departmentId,
})

export const seedWorld = Effect.fn("testing.seedWorld")(function* (driverName: string, hostId: string = randomUUID()) {
  const store = yield* Store
  const company = yield* store.companies.insert({ id: randomUUID(), name: "Acme", number: "07", createdAt: at })
  const department = (name: string) =>
    store.departments.insert({
      id: randomUUID(),
      companyId: company.id,
      name,
      reclaimPolicy: "recycle",
      reclaimNoticeDays: 3,
      createdAt: at,
    })
  const ops = yield* department("ops")
  const sales = yield* department("sales")
  const user = (name: string, role: User["role"], departmentId: string) =>
    store.users.insert({
      id: randomUUID(),
      name,
      email: `${name}@example.test`,
      role,
      companyId: company.id,
      departmentId,
      createdAt: at,
    })
  const owner = yield* user("owner", "user", ops.id)
  const admin = yield* user("admin", "admin", ops.id)
  const superadmin = yield* user("root", "superadmin", ops.id)
  const outsider = yield* user("outsider", "admin", sales.id)
  const flavor = yield* store.flavors.insert({
    id: randomUUID(),
    name: "tiny",
    cpus: 1,
    memoryMiB: 128,
    gpuAllowed: false,
    perDay: 100,
    createdAt: at,
  })
  const image = yield* store.images.insert({
    id: randomUUID(),
    name: "tiny-linux",
    osFamily: "linux",
    osName: "busybox",
    format: "qcow2",
    location: "/images/tiny.qcow2",
    boot: { kind: "kernel", kernel: "/images/vmlinuz", initrd: "/images/initrd", cmdline: "console=ttyS0" },
    minCores: 1,
    minDiskGiB: 1,
    perDay: 0,
    departmentId: null,
    sourceVmId: null,
    passwordManaged: true,
    sizeBytes: 0,
    createdAt: at,
  })
  const host = yield* store.hosts.insert({
    id: hostId,
    name: "host-1",
    zone: "zone-a",
    pod: "pod-1",
    address: "127.0.0.1:8080",
    driver: driverName,
    state: "up",
    cpus: 8,
    memoryMiB: 16384,
    cpuOvercommitPercent: 400,
    memoryOvercommitPercent: 100,
    networkIds: [],
    dedicatedDepartmentId: null,
    heartbeatAt: null,
    agentStoppedAt: null,
    createdAt: at,
  })
  const world: World = {
    host,
    flavor,
    image,
    departments: [ops, sales],
    users: { owner, admin, superadmin, outsider },
    actors: {
      owner: actorOf(owner),
      admin: actorOf(admin),
      superadmin: actorOf(superadmin),
      outsider: actorOf(outsider),
    },
  }
  return world
})

/** A VM already provisioned (stopped) on the world's host, with a system disk; the driver has not seen it yet. */
export const seedVm = Effect.fn("testing.seedVm")(function* (world: World, overrides: Partial<Vm> = {}) {
  const store = yield* Store
  const id = randomUUID()
  const owner = world.users.owner
  const vm: Vm = sampleRows.vm({
    id,
    displayName: "web_01",
    ownerId: owner.id,
    companyId: owner.companyId,
    departmentId: owner.departmentId,
    flavorId: world.flavor.id,
    imageId: world.image.id,
    cpus: 1,
    coresPerSocket: 1,
    memoryMiB: 128,
    hostId: world.host.id,
    zone: world.host.zone,
    pod: world.host.pod,
    createdBy: owner.id,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  })
  const systemDisk = {
    id: randomUUID(),
    name: `${vm.hostname}-system`,
    departmentId: vm.departmentId,
    ownerId: vm.ownerId,
    hostId: world.host.id,
    vmId: id,
    role: "system" as const,
    storageClass: "standard",
    format: "qcow2" as const,
    bus: "virtio" as const,
    sizeGiB: 1,
    path: `/var/lib/hyperx/disks/${id}.qcow2`,
    backingPath: world.image.location,
    perDay: 0,
    createdAt: at,
  }
  yield* store.vms.insertBundles([{ vm, disks: [systemDisk], nics: [] }])
  return yield* store.vms.get(id)
})

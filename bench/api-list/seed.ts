import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import type { Disk, Nic, User, Vm, VmState } from "../../core/model/index.ts"
import { openDatabase } from "../../core/store/database.ts"
import { Store, type VmBundle } from "../../core/store/ports.ts"
import { sampleRows } from "../../core/store/testing/sample-rows.ts"
import { insertBundlesBulk } from "./bulk.ts"

/** What the list requests filter on: kept so that every query shape matches a realistic share of the VMs. */
export interface BenchWorld {
  readonly superadmin: User
  readonly flavorIds: ReadonlyArray<string>
  readonly hostIds: ReadonlyArray<string>
  readonly departmentIds: ReadonlyArray<string>
}

const apps = ["shop", "crm", "erp", "mail", "wiki", "ci", "db", "cache", "auth", "search"]
const roles = ["web", "api", "worker", "db"]
/** 60 % running, 30 % stopped, 10 % a little of everything else. */
const stateFor = (i: number): VmState => {
  const r = i % 20
  if (r < 12) return "running"
  if (r < 18) return "stopped"
  return r === 18 ? "error" : "starting"
}

/** VMs per transaction of the seed. */
const bulkBatch = 5000

const at = new Date("2026-11-01T00:00:00Z")

/** The i-th VM's address: 250 a /24 from 10.20.0.2 on, into 10.21… past 64,000 VMs (IPAM checks every one). */
const addressOf = (i: number) => {
  const block = Math.floor(i / 250)
  return `10.${20 + Math.floor(block / 256)}.${block % 256}.${(i % 250) + 2}`
}

/**
 * A platform of `count` VMs: 1 company, 20 departments of 10 users, 4 flavors, 2 images, 8 hosts, one /12 subnet;
 * each VM with a system disk, every other one a data disk too, and one NIC. The platform goes in through the store;
 * the VMs in transactions of 5,000 written in bulk (bulk.ts) to the store's database at `url`.
 */
export const seedVms = (url: string, count: number, onProgress: (done: number) => void) =>
  Effect.gen(function* () {
    const store = yield* Store
    const company = yield* store.companies.insert(sampleRows.company({ name: "Bench", number: "09" }))
    const departments = yield* Effect.forEach(
      Array.from({ length: 20 }, (_, d) => d),
      (d) => store.departments.insert(sampleRows.department({ companyId: company.id, name: `dept-${d}` })),
    )
    const users = yield* Effect.forEach(
      Array.from({ length: 200 }, (_, u) => u),
      (u) => {
        const department = departments[u % departments.length] ?? departments[0]
        return store.users.insert(
          sampleRows.user({
            name: `user${u}`,
            email: `user${u}@bench.test`,
            role: u % 10 === 0 ? "admin" : "user",
            companyId: company.id,
            departmentId: department?.id ?? "",
          }),
        )
      },
    )
    const superadmin = yield* store.users.insert(
      sampleRows.user({
        name: "root",
        role: "superadmin",
        companyId: company.id,
        departmentId: departments[0]?.id ?? "",
      }),
    )
    const flavors = yield* Effect.forEach([1, 2, 4, 8], (cpus) =>
      store.flavors.insert(sampleRows.flavor({ name: `c${cpus}m${cpus * 2}`, cpus, memoryMiB: cpus * 2048 })),
    )
    const images = yield* Effect.forEach(["debian-12", "ubuntu-24"], (name) =>
      store.images.insert(sampleRows.image({ name })),
    )
    const hosts = yield* Effect.forEach(
      Array.from({ length: 8 }, (_, h) => h),
      (h) => store.hosts.insert(sampleRows.host({ name: `host-${h}` })),
    )
    const network = yield* store.networks.insert(sampleRows.network())
    const subnet = yield* store.subnets.insert(
      sampleRows.subnet({
        networkId: network.id,
        // A /12 holds 100,000 VMs; their addresses start at 10.20.0.2 as the bench's IP searches expect.
        cidr: "10.16.0.0/12",
        gateway: "10.16.0.1",
        rangeStart: "10.16.0.2",
        rangeEnd: "10.31.255.254",
        dns: ["10.16.0.1"],
      }),
    )

    const bundleOf = (i: number): VmBundle => {
      const owner = users[(i * 7) % users.length] ?? superadmin
      const flavor = flavors[i % flavors.length] ?? flavors[0]
      const host = hosts[i % hosts.length]
      const app = apps[i % apps.length] ?? "app"
      const role = roles[Math.floor(i / apps.length) % roles.length] ?? "web"
      const vm: Vm = sampleRows.vm({
        displayName: `${app}_${role}_${String(i).padStart(5, "0")}`,
        // Unique by the index (a random 10-hex-digit name collided once in a 100,000 run), random-looking by the rest.
        hostname: `vm-${randomUUID().slice(0, 4)}${i.toString(16).padStart(6, "0")}`,
        ownerId: owner.id,
        companyId: company.id,
        departmentId: owner.departmentId,
        flavorId: flavor?.id ?? "",
        imageId: (images[i % images.length] ?? images[0])?.id ?? "",
        cpus: flavor?.cpus ?? 1,
        coresPerSocket: flavor?.cpus ?? 1,
        memoryMiB: flavor?.memoryMiB ?? 1024,
        state: stateFor(i),
        hostId: host?.id ?? null,
        tags: { "app-group": app, "app-role": role },
        createdBy: owner.id,
        createdAt: new Date(at.getTime() + i * 60_000),
        updatedAt: at,
      })
      const disk = (role: Disk["role"], sizeGiB: number): Disk =>
        sampleRows.disk({
          role,
          sizeGiB,
          vmId: vm.id,
          departmentId: vm.departmentId,
          ownerId: vm.ownerId,
          hostId: vm.hostId,
        })
      const nic: Nic = sampleRows.nic({
        vmId: vm.id,
        subnetId: subnet.id,
        mac: `52:54:01:${((i >> 16) & 255).toString(16).padStart(2, "0")}:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`,
        primaryIp: addressOf(i),
      })
      return { vm, disks: i % 2 === 0 ? [disk("system", 40), disk("data", 100)] : [disk("system", 40)], nics: [nic] }
    }
    yield* Effect.scoped(
      Effect.gen(function* () {
        const { db } = yield* openDatabase({ dialect: "postgres", url })
        for (let start = 0; start < count; start += bulkBatch) {
          const size = Math.min(bulkBatch, count - start)
          const bundles = Array.from({ length: size }, (_, k) => bundleOf(start + k))
          yield* Effect.promise(() => insertBundlesBulk(db, bundles))
          onProgress(start + size)
        }
      }),
    )
    const world: BenchWorld = {
      superadmin,
      flavorIds: flavors.map((f) => f.id),
      hostIds: hosts.map((h) => h.id),
      departmentIds: departments.map((d) => d.id),
    }
    return world
  })

import assert from "node:assert/strict"
import type { Flavor, Image } from "../model/catalog.ts"
import type { KeyPair } from "../model/extras.ts"
import type { AffinityGroup, Host, HostDevice, HostUsage } from "../model/host.ts"
import type { Network, Nic } from "../model/network.ts"
import type { Quota, QuotaUsage, User } from "../model/org.ts"
import type { Backup, Disk, Snapshot } from "../model/storage.ts"
import type { Vm, VmCreateRequest } from "../model/vm.ts"
import type { VmFacts } from "../store/ports.ts"
import type { Actor, VmContext } from "./context.ts"
import { type CreateContext, createDemand } from "./create.ts"
import { firstRefusal, messageOf, type Rule } from "./rule.ts"

// Small, valid records for tests: one company, one department, one Linux VM running on host-1.

export const sampleNow = new Date("2025-03-01T08:00:00Z")
const created = new Date("2025-01-01T00:00:00Z")

export const sampleActor = (overrides: Partial<Actor> = {}): Actor => ({
  userId: "user-1",
  role: "user",
  companyId: "company-1",
  departmentId: "dept-1",
  ...overrides,
})

export const sampleUser = (overrides: Partial<User> = {}): User => ({
  id: "user-1",
  name: "Li Lei",
  email: "lilei@example.com",
  role: "user",
  companyId: "company-1",
  departmentId: "dept-1",
  createdAt: created,
  ...overrides,
})

export const sampleFacts = (overrides: Partial<VmFacts> = {}): VmFacts => ({
  snapshots: 0,
  snapshotSchedules: 0,
  backups: 0,
  backupSchedules: 0,
  gpus: 0,
  usbDevices: 0,
  ...overrides,
})

export const sampleVm = (overrides: Partial<Vm> = {}): Vm => ({
  id: "vm-1",
  displayName: "web_01",
  hostname: "hx-vm-1",
  ownerId: "user-1",
  companyId: "company-1",
  departmentId: "dept-1",
  tags: {},
  remarks: "",
  reclaimAt: null,
  haEnabled: true,
  deletionProtected: false,
  loginMethod: "password",
  keyPairId: null,
  passwordCipher: null,
  flavorId: "flavor-2c4g",
  imageId: "image-linux",
  cpus: 2,
  sockets: 1,
  coresPerSocket: 2,
  memoryMiB: 4096,
  state: "running",
  stateReason: "",
  hostId: "host-1",
  zone: "zone-1",
  pod: "pod-1",
  affinityGroupIds: [],
  dedicatedHost: false,
  components: [],
  monitoringInstalled: true,
  isoImageId: null,
  recycledAt: null,
  createdBy: "user-1",
  createdAt: created,
  updatedAt: created,
  version: 0,
  ...overrides,
})

export const sampleVmContext = (overrides: Partial<VmContext> = {}): VmContext => ({
  actor: sampleActor(),
  vm: sampleVm(),
  facts: sampleFacts(),
  osFamily: "linux",
  passwordManaged: true,
  ...overrides,
})

export const sampleFlavor = (overrides: Partial<Flavor> = {}): Flavor => ({
  id: "flavor-2c4g",
  name: "2C4G",
  cpus: 2,
  memoryMiB: 4096,
  gpuAllowed: false,
  perDay: 100,
  createdAt: created,
  ...overrides,
})

export const sampleImage = (overrides: Partial<Image> = {}): Image => ({
  id: "image-linux",
  name: "Debian 12",
  osFamily: "linux",
  osName: "debian12",
  format: "qcow2",
  location: "/var/lib/hyperx/images/debian12.qcow2",
  boot: { kind: "disk" },
  minCores: 1,
  minDiskGiB: 20,
  perDay: 0,
  departmentId: null,
  sourceVmId: null,
  passwordManaged: true,
  sizeBytes: 1024,
  createdAt: created,
  ...overrides,
})

export const sampleKeyPair = (overrides: Partial<KeyPair> = {}): KeyPair => ({
  id: "key-1",
  userId: "user-1",
  name: "laptop",
  publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx user@laptop",
  fingerprint: "SHA256:abc",
  createdAt: created,
  ...overrides,
})

export const sampleAffinityGroup = (overrides: Partial<AffinityGroup> = {}): AffinityGroup => ({
  id: "group-1",
  departmentId: "dept-1",
  name: "web",
  policy: "anti-affinity",
  createdAt: created,
  ...overrides,
})

export const sampleQuota = (overrides: Partial<Quota> = {}): Quota => ({
  departmentId: "dept-1",
  cpus: 64,
  memoryMiB: 131072,
  diskGiB: 2000,
  vmCount: 20,
  ...overrides,
})

export const sampleUsage = (overrides: Partial<QuotaUsage> = {}): QuotaUsage => ({
  cpus: 8,
  memoryMiB: 16384,
  diskGiB: 200,
  vmCount: 4,
  ...overrides,
})

export const sampleNetwork = (overrides: Partial<Network> = {}): Network => ({
  id: "net-1",
  name: "shared-1",
  kind: "shared",
  departmentId: null,
  backing: { kind: "user" },
  createdAt: created,
  ...overrides,
})

export const sampleNic = (overrides: Partial<Nic> = {}): Nic => ({
  id: "nic-1",
  vmId: "vm-1",
  subnetId: "subnet-1",
  mac: "52:54:00:12:34:56",
  primaryIp: "10.0.0.10",
  secondaryIps: [],
  isDefault: true,
  dhcp: true,
  createdAt: created,
  ...overrides,
})

export const sampleHost = (overrides: Partial<Host> = {}): Host => ({
  id: "host-2",
  name: "node-2",
  zone: "zone-1",
  pod: "pod-1",
  address: "http://node-2:7070",
  driver: "qemu",
  state: "up",
  cpus: 32,
  memoryMiB: 131072,
  cpuOvercommitPercent: 100,
  dedicatedDepartmentId: null,
  heartbeatAt: created,
  createdAt: created,
  ...overrides,
})

export const sampleHostUsage = (overrides: Partial<HostUsage> = {}): HostUsage => ({
  hostId: "host-2",
  cpusUsed: 8,
  memoryMiBUsed: 16384,
  cpusFree: 24,
  memoryMiBFree: 114688,
  gpusFree: 0,
  usbFree: 0,
  ...overrides,
})

export const sampleHostDevice = (overrides: Partial<HostDevice> = {}): HostDevice => ({
  id: "dev-1",
  hostId: "host-1",
  kind: "usb",
  address: "1-2",
  vendor: "SanDisk",
  model: "Ultra",
  vmId: null,
  ...overrides,
})

export const sampleDisk = (overrides: Partial<Disk> = {}): Disk => ({
  id: "disk-1",
  name: "data-1",
  departmentId: "dept-1",
  ownerId: "user-1",
  hostId: "host-1",
  vmId: "vm-1",
  role: "data",
  storageClass: "standard",
  format: "qcow2",
  bus: "virtio",
  sizeGiB: 50,
  path: "/var/lib/hyperx/disks/disk-1.qcow2",
  backingPath: null,
  perDay: 10,
  createdAt: created,
  ...overrides,
})

export const sampleSnapshot = (overrides: Partial<Snapshot> = {}): Snapshot => ({
  id: "snap-1",
  vmId: "vm-1",
  name: "before-upgrade",
  withMemory: false,
  origin: "manual",
  scheduleId: null,
  state: "ready",
  sizeBytes: 1024,
  createdAt: created,
  ...overrides,
})

export const sampleBackup = (overrides: Partial<Backup> = {}): Backup => ({
  id: "backup-1",
  diskId: "disk-1",
  vmId: "vm-1",
  kind: "full",
  parentId: null,
  origin: "manual",
  scheduleId: null,
  location: "/var/lib/hyperx/backups/backup-1.qcow2",
  sizeBytes: 1024,
  state: "ready",
  createdAt: created,
  ...overrides,
})

/** One VM named web_01; a batch (count > 1) gets no name, as the manual generates batch names from tags. */
export const sampleCreateRequest = (overrides: Partial<VmCreateRequest> = {}): VmCreateRequest => ({
  count: 1,
  ...((overrides.count ?? 1) === 1 ? { name: "web_01" } : {}),
  imageId: "image-linux",
  flavorId: "flavor-2c4g",
  ...overrides,
})

/** A create that passes every rule; the quota demand follows the request unless given. */
export const sampleCreateContext = (
  overrides: Partial<Omit<CreateContext, "request">> & { readonly request?: Partial<VmCreateRequest> } = {},
): CreateContext => {
  const { request: requestOverrides, ...rest } = overrides
  const request = sampleCreateRequest(requestOverrides)
  const flavor = rest.flavor ?? sampleFlavor()
  const image = rest.image ?? sampleImage()
  return {
    actor: sampleActor(),
    owner: sampleUser(),
    keyPair: null,
    affinityGroups: [],
    hasDedicatedHost: false,
    networks: [],
    autoSubnet: { name: "shared-1", freeIps: 100 },
    now: sampleNow,
    quota: sampleQuota(),
    usage: sampleUsage(),
    ...rest,
    request,
    flavor,
    image,
    demand: rest.demand ?? createDemand(request, flavor, image),
  }
}

/** The rule lets the context through. */
export const assertAllows = <C>(rule: Rule<C>, context: C): void => {
  assert.equal(rule.allows(context), true, `${rule.name} should allow`)
}

/** The rule refuses the context, with a message in English and in Chinese. */
export const assertRefuses = <C>(rule: Rule<C>, context: C): void => {
  assert.equal(rule.allows(context), false, `${rule.name} should refuse`)
  const message = messageOf(rule, context)
  assert.ok(message.en.trim().length > 0, `${rule.name}: English message`)
  assert.match(message.zh, /\p{Script=Han}/u, `${rule.name}: Chinese message`)
}

/** The name of the first rule of an operation's list that refuses, or undefined when all allow. */
export const refusedBy = <C>(rules: ReadonlyArray<Rule<C>>, context: C): string | undefined =>
  firstRefusal(rules, context)?.name

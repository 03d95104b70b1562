import type { Flavor, Image } from "../model/catalog.ts"
import type { KeyPair } from "../model/extras.ts"
import type { AffinityGroup, Host, HostDevice, HostUsage } from "../model/host.ts"
import type { Network, Nic } from "../model/network.ts"
import type { Quota, QuotaUsage } from "../model/org.ts"
import type { Backup, Disk, Snapshot } from "../model/storage.ts"

// Records around a VM, for tests: the sample VM's flavor, image, host, disks and network.

const created = new Date("2025-01-01T00:00:00Z")

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
  memoryOvercommitPercent: 100,
  networkIds: [],
  dedicatedDepartmentId: null,
  heartbeatAt: created,
  agentStoppedAt: null,
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
  vendorId: "0781",
  productId: "5581",
  iommuGroup: null,
  driver: "usb-storage",
  present: true,
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

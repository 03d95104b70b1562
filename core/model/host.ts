import { Schema } from "effect"
import { Id, NonNegativeInt, PositiveInt, Timestamp } from "./common.ts"

/**
 * A host's state. Stored: up or maintenance (an admin drains it: no new placements), or down (set by hand). Read:
 * an up host whose heartbeat is older than the cluster's timeouts reads suspect, then down (core/cluster).
 */
export const HostState = Schema.Literals(["up", "suspect", "down", "maintenance"])
export type HostState = typeof HostState.Type

/** A host (主机) in a zone (资源域) and POD, with its capacity; free resources are derived (HostUsage). */
export const Host = Schema.Struct({
  id: Id,
  name: Schema.String,
  zone: Schema.String,
  pod: Schema.String,
  /** Where this host's agent answers, for forwarding in a cluster. */
  address: Schema.String,
  driver: Schema.String,
  state: HostState,
  cpus: PositiveInt,
  memoryMiB: PositiveInt,
  /** CPU overcommit ratio as a percentage (100 = none). */
  cpuOvercommitPercent: PositiveInt,
  /** Memory overcommit ratio as a percentage (100 = none). */
  memoryOvercommitPercent: PositiveInt,
  /** The networks whose bridge or VXLAN this host carries (placement puts a VM only where its networks are). */
  networkIds: Schema.Array(Id),
  dedicatedDepartmentId: Schema.NullOr(Id),
  heartbeatAt: Schema.NullOr(Timestamp),
  /**
   * When the host's agent stopped gracefully (Ctrl-C, SIGTERM, an upgrade): its guests keep running, and the host
   * reads suspect, not down, for the cluster's restart grace. Null while the agent runs.
   */
  agentStoppedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
})
export type Host = typeof Host.Type

export const HostUsage = Schema.Struct({
  hostId: Id,
  cpusUsed: NonNegativeInt,
  memoryMiBUsed: NonNegativeInt,
  cpusFree: Schema.Int,
  memoryMiBFree: Schema.Int,
  gpusFree: NonNegativeInt,
  usbFree: NonNegativeInt,
})
export type HostUsage = typeof HostUsage.Type

export const HostDeviceKind = Schema.Literals(["gpu", "usb"])
export type HostDeviceKind = typeof HostDeviceKind.Type

/** A passthrough device of a host (X1, X4); attached while vmId is set. */
export const HostDevice = Schema.Struct({
  id: Id,
  hostId: Id,
  kind: HostDeviceKind,
  /** PCI address (0000:01:00.0) or USB bus-port (1-2). */
  address: Schema.String,
  vendor: Schema.String,
  model: Schema.String,
  /** Hex ids as the host reports them: PCI vendor/device, USB idVendor/idProduct. */
  vendorId: Schema.String,
  productId: Schema.String,
  /** A GPU's IOMMU group; null: the host has no IOMMU for it, so it cannot be passed through. */
  iommuGroup: Schema.NullOr(Schema.String),
  /** The host driver bound at the last inventory (vfio-pci while a VM holds a GPU), or null. */
  driver: Schema.NullOr(Schema.String),
  /** False once the device vanished from the host while a VM still held it. */
  present: Schema.Boolean,
  vmId: Schema.NullOr(Id),
})
export type HostDevice = typeof HostDevice.Type

export const AffinityPolicy = Schema.Literals(["affinity", "anti-affinity"])
export type AffinityPolicy = typeof AffinityPolicy.Type

/** A department's affinity group (C3, R10): members placed together or apart at their next start. */
export const AffinityGroup = Schema.Struct({
  id: Id,
  departmentId: Id,
  name: Schema.String,
  policy: AffinityPolicy,
  createdAt: Timestamp,
})
export type AffinityGroup = typeof AffinityGroup.Type

export const HostCapacity = Schema.Struct({ cpus: PositiveInt, memoryMiB: PositiveInt })

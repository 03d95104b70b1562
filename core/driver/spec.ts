import { Schema } from "effect"
import { BootSource } from "../model/catalog.ts"
import { PositiveInt } from "../model/common.ts"
import { HostDeviceKind } from "../model/host.ts"
import { DiskBus, DiskFormat, DiskRole } from "../model/storage.ts"

/** A disk as the hypervisor sees it. */
export const DiskSpec = Schema.Struct({
  id: Schema.String,
  role: DiskRole,
  path: Schema.String,
  format: DiskFormat,
  bus: DiskBus,
  readonly: Schema.Boolean,
})
export type DiskSpec = typeof DiskSpec.Type

/**
 * The IPv4 address the platform gave a user-mode NIC, in its subnet (`10.0.2.0/24`, gateway `10.0.2.2`), and the
 * address the NAT's DNS answers on (in the subnet, neither the gateway nor `ip`): the hypervisor's own DHCP hands the
 * guest exactly this address. Without it every guest gets the hypervisor's first one.
 */
export const UserNetAddress = Schema.Struct({
  cidr: Schema.String,
  gateway: Schema.String,
  ip: Schema.String,
  dns: Schema.String,
})
export type UserNetAddress = typeof UserNetAddress.Type

export const NicBacking = Schema.Union([
  /** User-mode NAT; hostForwards publish guest ports on 127.0.0.1. */
  Schema.Struct({
    kind: Schema.Literal("user"),
    hostForwards: Schema.Array(Schema.Struct({ hostPort: PositiveInt, guestPort: PositiveInt })),
    address: Schema.optionalKey(UserNetAddress),
  }),
  Schema.Struct({ kind: Schema.Literal("bridge"), bridge: Schema.String }),
  Schema.Struct({ kind: Schema.Literal("tap"), tap: Schema.String }),
])
export type NicBacking = typeof NicBacking.Type

export const NicSpec = Schema.Struct({ id: Schema.String, mac: Schema.String, backing: NicBacking })
export type NicSpec = typeof NicSpec.Type

/**
 * A host device given to the VM (X1, X4): a GPU by PCI address; a USB device by the bus-port it is plugged into (QEMU)
 * or, where the hypervisor cannot name ports (libvirt 9), by its vendor and product ids (hex, no "0x").
 */
export const DeviceSpec = Schema.Struct({
  id: Schema.String,
  kind: HostDeviceKind,
  hostAddress: Schema.String,
  vendorId: Schema.optionalKey(Schema.String),
  productId: Schema.optionalKey(Schema.String),
})
export type DeviceSpec = typeof DeviceSpec.Type

/** Everything a driver needs to define a VM; the core builds it from the platform's records. */
export const VmSpec = Schema.Struct({
  /** The VM's immutable hostname: the hypervisor's name for it. */
  name: Schema.String.check(Schema.isPattern(/^[a-z0-9][a-z0-9-]{0,62}$/)),
  uuid: Schema.String,
  cpus: PositiveInt,
  sockets: PositiveInt,
  coresPerSocket: PositiveInt,
  memoryMiB: PositiveInt,
  boot: BootSource,
  disks: Schema.Array(DiskSpec),
  /** ISO path in the CD-ROM, or null for an empty drive. */
  cdrom: Schema.NullOr(Schema.String),
  nics: Schema.Array(NicSpec),
  devices: Schema.Array(DeviceSpec),
  vnc: Schema.Boolean,
  serial: Schema.Boolean,
  guestAgent: Schema.Boolean,
})
export type VmSpec = typeof VmSpec.Type

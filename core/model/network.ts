import { Schema } from "effect"
import { Id, Timestamp } from "./common.ts"

/** shared: every department; isolated / vpc: one department's own (R3 replaces it on a company change). */
export const NetworkKind = Schema.Literals(["shared", "isolated", "vpc"])
export type NetworkKind = typeof NetworkKind.Type

/** How a host realises the network: user-mode NAT (no root needed) or a Linux bridge with taps. */
export const NetworkBacking = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("user") }),
  Schema.Struct({ kind: Schema.Literal("bridge"), bridge: Schema.String }),
])
export type NetworkBacking = typeof NetworkBacking.Type

export const Network = Schema.Struct({
  id: Id,
  name: Schema.String,
  kind: NetworkKind,
  departmentId: Schema.NullOr(Id),
  backing: NetworkBacking,
  createdAt: Timestamp,
})
export type Network = typeof Network.Type

export const Subnet = Schema.Struct({
  id: Id,
  networkId: Id,
  cidr: Schema.String,
  gateway: Schema.String,
  dhcp: Schema.Boolean,
  /** First and last address handed out; the rest of the CIDR is reserved. */
  rangeStart: Schema.String,
  rangeEnd: Schema.String,
  /** Addresses of the range never handed out (besides the gateway). */
  reserved: Schema.Array(Schema.String),
  dns: Schema.Array(Schema.String),
})
export type Subnet = typeof Subnet.Type

/** A VM's NIC on a subnet (N1–N6): one primary IP, any secondary IPs, exactly one default per VM. */
export const Nic = Schema.Struct({
  id: Id,
  vmId: Id,
  subnetId: Id,
  mac: Schema.String,
  primaryIp: Schema.String,
  secondaryIps: Schema.Array(Schema.String),
  isDefault: Schema.Boolean,
  dhcp: Schema.Boolean,
  createdAt: Timestamp,
})
export type Nic = typeof Nic.Type

/**
 * One network chosen when creating a VM (C6 manual mode): a fixed IP or the next free one, DHCP on or off (default:
 * the subnet's), and whether it is the default network (a single choice is the default unless it says otherwise).
 */
export const NetworkRequest = Schema.Struct({
  networkId: Id,
  ip: Schema.optionalKey(Schema.String),
  dhcp: Schema.optionalKey(Schema.Boolean),
  isDefault: Schema.optionalKey(Schema.Boolean),
})
export type NetworkRequest = typeof NetworkRequest.Type

/** C6: "auto" (the subnet with the most free IPs the department may use) or the networks chosen by hand. */
export const NetworksRequest = Schema.Union([
  Schema.Literal("auto"),
  Schema.Array(NetworkRequest).check(Schema.isMinLength(1), Schema.isMaxLength(8)),
])
export type NetworksRequest = typeof NetworksRequest.Type

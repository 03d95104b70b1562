import { Context, type Effect, Schema } from "effect"
import { Id } from "../model/common.ts"
import { NetworkKind } from "../model/network.ts"

/** One subnet as the host serves it: the bridge holds the gateway; DHCP hands out only reserved addresses. */
export const HostSubnet = Schema.Struct({
  cidr: Schema.String,
  gateway: Schema.String,
  dhcp: Schema.Boolean,
})
export type HostSubnet = typeof HostSubnet.Type

/** A static DHCP reservation from IPAM: this MAC gets this address, and no other MAC gets any. */
export const DhcpReservation = Schema.Struct({
  mac: Schema.String,
  ip: Schema.String,
  hostname: Schema.optionalKey(Schema.String),
})
export type DhcpReservation = typeof DhcpReservation.Type

/** The VXLAN that carries a network between hosts: VNI from the network id (vniOf), peers from the hosts table. */
export const VxlanSpec = Schema.Struct({
  vni: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 16_777_215 })),
  /** This host's underlay address. */
  local: Schema.String,
  /** The other hosts' underlay addresses (flooded: one all-zero FDB entry each). */
  peers: Schema.Array(Schema.String),
  /** The underlay device, when the local address alone does not pick it. */
  device: Schema.optionalKey(Schema.String),
})
export type VxlanSpec = typeof VxlanSpec.Type

/**
 * What one network needs on this host. shared: NAT to the outside; isolated and vpc: nothing outside the network
 * (not the host, not another network), only DHCP from the host.
 */
export const HostNetworkSpec = Schema.Struct({
  networkId: Id,
  kind: NetworkKind,
  subnets: Schema.Array(HostSubnet),
  reservations: Schema.Array(DhcpReservation),
  vxlan: Schema.optionalKey(VxlanSpec),
})
export type HostNetworkSpec = typeof HostNetworkSpec.Type

/** A network as it exists on the host. */
export interface HostNetworkInfo {
  readonly networkId: string
  readonly bridge: string
  /** A DHCP server is running for it. */
  readonly dhcp: boolean
  readonly vxlan?: { readonly device: string; readonly vni: number }
}

/**
 * What a NIC may send from (N3, N4): its MAC and its current addresses (primary and secondary). With a guard the
 * host drops whatever the guest sends from any other source, so a deleted secondary IP stops answering.
 */
export const TapGuard = Schema.Struct({ mac: Schema.String, addresses: Schema.Array(Schema.String) })
export type TapGuard = typeof TapGuard.Type

/** A NIC's tap as wanted. */
export interface TapSpec {
  readonly nicId: string
  readonly networkId: string
  /** Without one the tap passes any source (hand-made taps in tests); the records always give one. */
  readonly guard?: TapGuard
}

/** A NIC's tap on its network's bridge: the device QEMU opens (-netdev tap,ifname=…). */
export interface HostTap {
  readonly nicId: string
  readonly networkId: string
  readonly tap: string
}

export interface HostNetworkState {
  readonly networks: ReadonlyArray<HostNetworkInfo>
  readonly taps: ReadonlyArray<HostTap>
}

/** Host networking failed; the message carries the command and its output. */
export class HostNetworkError extends Schema.TaggedError<HostNetworkError>()("HostNetworkError", {
  operation: Schema.String,
  message: Schema.String,
}) {
  get isRetryable() {
    return false
  }
}

type R<A> = Effect.Effect<A, HostNetworkError>

/**
 * The host side of networks (#15): bridges, taps, NAT, DHCP, VXLAN. Every call is idempotent: ensure creates what is
 * missing and fixes what differs, remove forgets what is already gone. plugins/linux-net implements it with ip,
 * nft and dnsmasq; `./fake.ts` keeps it in memory for core tests.
 */
export class HostNetwork extends Context.Service<
  HostNetwork,
  {
    /** The network's bridge (with its gateway addresses), firewall and NAT rules, DHCP server and VXLAN. */
    readonly ensureNetwork: (spec: HostNetworkSpec) => R<HostNetworkInfo>
    /** The NIC's tap, up and on its network's bridge, with its source guard; the network must have been ensured. */
    readonly ensureTap: (nic: TapSpec) => R<HostTap>
    readonly removeTap: (nicId: string) => R<void>
    /** The network's bridge, taps, rules, DHCP server and VXLAN. */
    readonly removeNetwork: (networkId: string) => R<void>
    /** What exists on the host now, found on the host itself (it survives an agent restart). */
    readonly list: () => R<HostNetworkState>
  }
>()("hyperx/core/network/HostNetwork") {}

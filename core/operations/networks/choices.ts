import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import { parseAddress } from "../../ipam/address.ts"
import { cidrContains, parseCidr } from "../../ipam/cidr.ts"
import { judgeAddress, poolOf } from "../../ipam/pool.ts"
import type { Network, NetworksRequest, Subnet } from "../../model/network.ts"
import type { FixedIp, NetworkChoice, SubnetFree } from "../../rules/networks.ts"
import { Store } from "../../store/ports.ts"

/** C6, N1: a shared network, or one of the department's own (isolated, VPC). */
export const visibleTo = (departmentId: string) => (network: Network) =>
  network.kind === "shared" || network.departmentId === departmentId

/** One subnet with its network and what IPAM knows of it now. */
export interface SubnetView {
  readonly network: Network
  readonly subnet: Subnet
  readonly free: number
  readonly used: ReadonlyArray<string>
}

/** The subnets of these networks (all networks without ids), with their free counts and the addresses held. */
export const subnetViews = Effect.fn("operations.networks.subnetViews")(function* (networks: ReadonlyArray<Network>) {
  const store = yield* Store
  if (networks.length === 0) return []
  const ids = new Set(networks.map((network) => network.id))
  const subnets = (yield* store.subnets.list()).filter((subnet) => ids.has(subnet.networkId))
  const usage = new Map((yield* store.ipam.usage(subnets.map((s) => s.id))).map((u) => [u.subnetId, u.free]))
  const held = yield* store.ipam.list()
  const byId = new Map(networks.map((network) => [network.id, network]))
  return subnets.map(
    (subnet): SubnetView => ({
      network: byId.get(subnet.networkId) as Network,
      subnet,
      free: usage.get(subnet.id) ?? 0,
      used: held.filter((address) => address.subnetId === subnet.id).map((address) => address.address),
    }),
  )
})

/** A fixed IP as IPAM judges it now; `own` is an address the NIC itself keeps (N2: its current primary IP). */
export const judgeFixedIp = (view: SubnetView, address: string, own?: string): FixedIp => {
  const pool = poolOf({ ...view.subnet })
  const verdict =
    pool === undefined
      ? "invalid"
      : judgeAddress(
          pool,
          address,
          view.used.filter((used) => used !== own),
        )
  return { address, inSubnet: verdict === "free" || verdict === "taken", free: verdict === "free" }
}

/** For a NIC: a fixed IP goes to the subnet that holds it; otherwise the subnet with the most free IPs. */
export const pickSubnet = (views: ReadonlyArray<SubnetView>, ip?: string): SubnetView | undefined => {
  const address = ip === undefined ? undefined : parseAddress(ip)
  const inside =
    address === undefined
      ? []
      : views.filter((view) => {
          const cidr = parseCidr(view.subnet.cidr)
          return cidr !== undefined && cidrContains(cidr, address)
        })
  const candidates = inside.length > 0 ? inside : views
  return [...candidates].sort((a, b) => b.free - a.free || a.subnet.id.localeCompare(b.subnet.id))[0]
}

/** One NIC each VM of a create gets: the subnet, a fixed IP or the next free one, DHCP, default. */
export interface NicPlan {
  readonly subnetId: string
  readonly fixedIp: string | null
  readonly dhcp: boolean
  readonly isDefault: boolean
}

export interface ResolvedNetworks {
  /** C6 manual mode's choices for the rules; empty for auto and for none. */
  readonly choices: ReadonlyArray<NetworkChoice>
  /** C6 auto: the visible subnet with the most free IPs (free 0 when there is none). */
  readonly autoSubnet: SubnetFree
  readonly plan: ReadonlyArray<NicPlan>
  /** Each planned subnet's network name, for IPAM's refusals. */
  readonly names: ReadonlyMap<string, string>
}

const none: ResolvedNetworks = {
  choices: [],
  autoSubnet: { name: "none", freeIps: Number.MAX_SAFE_INTEGER },
  plan: [],
  names: new Map(),
}

/**
 * C6: what a create's `networks` names, resolved against the records. A network that does not exist is NotFound;
 * one the department may not use is resolved all the same, so that the rule network-available refuses it by name.
 */
export const resolveNetworks = Effect.fn("operations.networks.resolve")(function* (
  request: NetworksRequest | undefined,
  departmentId: string,
) {
  if (request === undefined) return none
  const store = yield* Store
  if (request === "auto") {
    const views = yield* subnetViews((yield* store.networks.list()).filter(visibleTo(departmentId)))
    const best = pickSubnet(views)
    if (best === undefined) return { ...none, autoSubnet: { name: "auto", freeIps: 0 } }
    return {
      choices: [],
      autoSubnet: { name: best.network.name, freeIps: best.free },
      plan: [{ subnetId: best.subnet.id, fixedIp: null, dhcp: best.subnet.dhcp, isDefault: true }],
      names: new Map([[best.subnet.id, best.network.name]]),
    } satisfies ResolvedNetworks
  }
  const networks = yield* Effect.forEach(request, (choice) => store.networks.get(choice.networkId))
  const views = yield* subnetViews(networks)
  const resolved = request.map((choice, index) => {
    const network = networks[index] as Network
    const view = pickSubnet(
      views.filter((candidate) => candidate.network.id === network.id),
      choice.ip,
    )
    const isDefault = choice.isDefault ?? request.length === 1
    const fixedIp: FixedIp | null =
      choice.ip === undefined
        ? null
        : view === undefined
          ? { address: choice.ip, inSubnet: false, free: false }
          : judgeFixedIp(view, choice.ip)
    const networkChoice: NetworkChoice = {
      network,
      subnetId: view?.subnet.id ?? "",
      freeIps: view?.free ?? 0,
      isDefault,
      dhcp: choice.dhcp ?? view?.subnet.dhcp ?? false,
      fixedIp,
    }
    return networkChoice
  })
  return {
    choices: resolved,
    autoSubnet: none.autoSubnet,
    plan: resolved.map((choice) => ({
      subnetId: choice.subnetId,
      fixedIp: choice.fixedIp?.address ?? null,
      dhcp: choice.dhcp,
      isDefault: choice.isDefault,
    })),
    names: new Map(resolved.map((choice) => [choice.subnetId, choice.network.name])),
  } satisfies ResolvedNetworks
})

/** A locally administered MAC in QEMU's 52:54:00 block. */
export const randomMac = () =>
  `52:54:00:${[...randomBytes(3)].map((byte) => byte.toString(16).padStart(2, "0")).join(":")}`

import { parseAddress } from "../../../core/ipam/address.ts"
import { cidrContains, parseCidr } from "../../../core/ipam/cidr.ts"
import type { Network } from "../api/types.ts"

/** One network chosen by hand (C6): an optional fixed IP (empty: the next free one), its DHCP flag, the default mark. */
export interface NetworkPick {
  readonly networkId: string
  readonly ip: string
  readonly dhcp: boolean
  readonly isDefault: boolean
}

/** The wizard's network step: automatic placement, or one or more networks chosen by hand. */
export interface NetworkForm {
  readonly networkMode: "auto" | "manual"
  readonly networks: ReadonlyArray<NetworkPick>
}

/** C6 "当网络可用IP为0不支持选择": a network without a free IP cannot be chosen. */
export const choosable = (network: Network): boolean => network.free > 0

/** C6 "自动分配：平台会把虚拟机分配至IP最空闲的网段上": what auto would pick now (the agent decides at create). */
export const autoPick = (networks: ReadonlyArray<Network>): Network | undefined =>
  networks
    .filter(choosable)
    .reduce<Network | undefined>((best, n) => (best && best.free >= n.free ? best : n), undefined)

/** Choose a network (the first chosen is the default) or drop it (the default passes to the next one). */
export const togglePick = (form: NetworkForm, network: Network, on: boolean): ReadonlyArray<NetworkPick> => {
  const others = form.networks.filter((pick) => pick.networkId !== network.id)
  if (!on) {
    if (others.length === 0 || others.some((pick) => pick.isDefault)) return others
    return others.map((pick, i) => (i === 0 ? { ...pick, isDefault: true } : pick))
  }
  const dhcp = network.subnets[0]?.dhcp ?? true
  return [...others, { networkId: network.id, ip: "", dhcp, isDefault: others.length === 0 }]
}

export const patchPick = (
  form: NetworkForm,
  networkId: string,
  patch: Partial<Omit<NetworkPick, "networkId">>,
): ReadonlyArray<NetworkPick> =>
  form.networks.map((pick) => {
    if (patch.isDefault === true) {
      const mine = pick.networkId === networkId
      return { ...pick, ...(mine ? patch : {}), isDefault: mine }
    }
    return pick.networkId === networkId ? { ...pick, ...patch } : pick
  })

/** Whether a typed address lies in one of the network's subnets (the API checks that it is free too). */
const inNetwork = (network: Network | undefined, ip: string): boolean => {
  const address = parseAddress(ip)
  if (network === undefined || address === undefined) return false
  return network.subnets.some((subnet) => {
    const cidr = parseCidr(subnet.cidr)
    return cidr !== undefined && cidrContains(cidr, address)
  })
}

/**
 * The step's refusal, mirroring the core's rules of the same names (core/rules/create.ts, networks.ts): at least one
 * network, exactly one default, fixed IPs for one VM only and inside the network, enough free IPs for every VM.
 */
export const networkRule = (
  form: NetworkForm,
  count: number | undefined,
  networks: ReadonlyArray<Network>,
): string | undefined => {
  if (form.networkMode === "auto") return undefined
  if (form.networks.length === 0) return "required"
  if (form.networks.filter((pick) => pick.isDefault).length !== 1) return "one-default-network"
  const fixed = form.networks.filter((pick) => pick.ip.trim() !== "")
  if (fixed.length > 0 && count !== 1) return "fixed-ip-single-vm"
  const byId = new Map(networks.map((network) => [network.id, network]))
  if (fixed.some((pick) => !inNetwork(byId.get(pick.networkId), pick.ip.trim()))) return "fixed-ip-available"
  if (form.networks.some((pick) => (byId.get(pick.networkId)?.free ?? 0) < (count ?? 1))) return "network-free-ips"
  return undefined
}

/**
 * POST /vms's `networks`: "auto" when the caller may use any network, nothing when none exists (the VMs then have no
 * network, as on an agent without networks), or the hand-chosen list.
 */
export const networksBody = (form: NetworkForm, networks: ReadonlyArray<Network>) => {
  if (form.networkMode === "auto") return networks.length > 0 ? { networks: "auto" as const } : {}
  return {
    networks: form.networks.map((pick) => ({
      networkId: pick.networkId,
      ...(pick.ip.trim() === "" ? {} : { ip: pick.ip.trim() }),
      dhcp: pick.dhcp,
      isDefault: pick.isDefault,
    })),
  }
}

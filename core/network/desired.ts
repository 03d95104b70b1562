import type { Network, Nic, Subnet } from "../model/network.ts"
import type { HostNetworkSpec, VxlanSpec } from "./host-network.ts"
import type { DesiredHostNetworks } from "./sync.ts"
import { vniOf } from "./vni.ts"

/** The underlay of a host in a cluster: its own address and the other hosts'. */
export interface Underlay {
  readonly local: string
  readonly peers: ReadonlyArray<string>
}

/**
 * What this host must have, from the records: every bridged network one of its NICs uses (user-mode networks need
 * nothing on the host), with each subnet's gateway and DHCP flag, a DHCP reservation per NIC that wants DHCP (its
 * primary address; secondary ones are set in the guest), a tap per NIC guarded to its MAC and addresses, and a VXLAN when the host has peers. A NIC whose subnet or
 * network is unknown is left out, not guessed at.
 */
export const desiredHostNetworks = (records: {
  readonly networks: ReadonlyArray<Network>
  readonly subnets: ReadonlyArray<Subnet>
  /** The NICs of the VMs this host runs. */
  readonly nics: ReadonlyArray<Nic>
  readonly underlay?: Underlay
}): DesiredHostNetworks => {
  const subnetById = new Map(records.subnets.map((subnet) => [subnet.id, subnet]))
  const networkById = new Map(records.networks.map((network) => [network.id, network]))
  const nics = records.nics.flatMap((nic) => {
    const subnet = subnetById.get(nic.subnetId)
    const network = subnet === undefined ? undefined : networkById.get(subnet.networkId)
    return subnet === undefined || network === undefined || network.backing.kind !== "bridge" ? [] : [{ nic, network }]
  })
  const used = [...new Map(nics.map(({ network }) => [network.id, network])).values()]
  const networks = used.map((network): HostNetworkSpec => {
    const vxlan: VxlanSpec | undefined =
      records.underlay === undefined || records.underlay.peers.length === 0
        ? undefined
        : { vni: vniOf(network.id), local: records.underlay.local, peers: records.underlay.peers }
    return {
      networkId: network.id,
      kind: network.kind,
      subnets: records.subnets
        .filter((subnet) => subnet.networkId === network.id)
        .map((subnet) => ({ cidr: subnet.cidr, gateway: subnet.gateway, dhcp: subnet.dhcp })),
      reservations: nics
        .filter(({ nic, network: of }) => of.id === network.id && nic.dhcp)
        .map(({ nic }) => ({ mac: nic.mac, ip: nic.primaryIp })),
      ...(vxlan === undefined ? {} : { vxlan }),
    }
  })
  const taps = nics.map(({ nic, network }) => ({
    nicId: nic.id,
    networkId: network.id,
    guard: { mac: nic.mac, addresses: [nic.primaryIp, ...nic.secondaryIps] },
  }))
  return { networks, taps }
}

import { Effect } from "effect"
import type { NicBacking, UserNetAddress } from "../../driver/spec.ts"
import { formatAddress, parseAddress } from "../../ipam/address.ts"
import { cidrContains, lastAddress, parseCidr } from "../../ipam/cidr.ts"
import type { Nic, Subnet } from "../../model/network.ts"
import { Store } from "../../store/ports.ts"

/**
 * The DNS address the hypervisor's NAT answers on inside the guest's subnet. QEMU refuses a DNS address equal to the
 * gateway or the guest's own (and its default, the subnet's 4th address, may be either), so: the subnet's first DNS
 * server when it is in the subnet and free of both, else its first address from the 4th on that is. Each VM has a
 * NAT of its own, so this address shadows no other guest's.
 */
const dnsOf = (subnet: Subnet, ip: string): string | undefined => {
  const cidr = parseCidr(subnet.cidr)
  if (cidr === undefined) return undefined
  const taken = new Set([subnet.gateway, ip])
  const usable = (text: string) => {
    const address = parseAddress(text)
    return address !== undefined && cidrContains(cidr, address) && !taken.has(formatAddress(address))
  }
  const chosen = subnet.dns.find(usable)
  if (chosen !== undefined) return chosen
  for (let value = cidr.base + 3n; value <= lastAddress(cidr); value++) {
    const text = formatAddress({ family: cidr.family, value })
    if (usable(text)) return text
  }
  return undefined
}

/** A NIC's IPAM address as the hypervisor's user-mode NAT hands it out; none for IPv6 or a subnet too small. */
export const userNetAddressOf = (subnet: Subnet, ip: string): UserNetAddress | undefined => {
  if (parseCidr(subnet.cidr)?.family !== 4) return undefined
  const dns = dnsOf(subnet, ip)
  return dns === undefined ? undefined : { cidr: subnet.cidr, gateway: subnet.gateway, ip, dns }
}

/**
 * A NIC on user-mode NAT (no tap: host networking off, or the network's backing is `user`), with the address IPAM
 * gave it: the hypervisor's DHCP hands the guest that address, so the guest holds the address the API shows (before,
 * QEMU gave every guest 10.0.2.15 whatever IPAM had said).
 */
export const userBackingOf = (nic: Nic) =>
  Effect.gen(function* () {
    const subnet = yield* Store.use((store) => store.subnets.get(nic.subnetId))
    const address = userNetAddressOf(subnet, nic.primaryIp)
    const backing: NicBacking =
      address === undefined ? { kind: "user", hostForwards: [] } : { kind: "user", hostForwards: [], address }
    return backing
  })

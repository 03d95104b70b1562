import { formatAddress } from "../../core/ipam/address.ts"
import { netmaskOf, parseCidr } from "../../core/ipam/cidr.ts"
import type { DhcpReservation, HostSubnet } from "../../core/network/host-network.ts"

export interface DnsmasqFiles {
  readonly conf: string
  readonly hosts: string
  readonly leases: string
  readonly pid: string
}

/**
 * One dnsmasq per network, DHCP only (port=0: no DNS, so an isolated guest learns nothing of the outside), bound to
 * the network's bridge. `static` ranges: it answers only the MACs IPAM reserved, so it can never hand out an address
 * IPAM did not. Reservations live in the hosts file, re-read on SIGHUP without a restart. Isolated and VPC networks
 * get no router option (dnsmasq would otherwise offer its own address as the default route); VXLAN networks get
 * MTU 1450, VXLAN's 50 bytes of overhead under a 1500-byte underlay.
 */
export const dnsmasqConfig = (input: {
  readonly bridge: string
  readonly shared: boolean
  readonly vxlan: boolean
  readonly subnets: ReadonlyArray<HostSubnet>
  readonly files: DnsmasqFiles
}): string => {
  const lines = [
    "port=0",
    `interface=${input.bridge}`,
    "except-interface=lo",
    "bind-dynamic",
    "dhcp-authoritative",
    "dhcp-no-override",
    "user=root",
    `pid-file=${input.files.pid}`,
    `dhcp-hostsfile=${input.files.hosts}`,
    `dhcp-leasefile=${input.files.leases}`,
  ]
  input.subnets.forEach((subnet, index) => {
    const cidr = parseCidr(subnet.cidr)
    // IPv6 guests are addressed statically for now: DHCPv6 matches clients by DUID, not by the MAC IPAM knows
    if (!subnet.dhcp || cidr === undefined || cidr.family !== 4) return
    const tag = `s${index}`
    const network = formatAddress({ family: 4, value: cidr.base })
    lines.push(`dhcp-range=set:${tag},${network},static,${netmaskOf(cidr)},1h`)
    lines.push(
      input.shared ? `dhcp-option=tag:${tag},option:router,${subnet.gateway}` : `dhcp-option=tag:${tag},option:router`,
    )
    if (input.vxlan) lines.push(`dhcp-option=tag:${tag},option:mtu,1450`)
  })
  return `${lines.join("\n")}\n`
}

/** dhcp-hostsfile lines: `mac,ip[,hostname]`, IPv4 only (see dnsmasqConfig). */
export const dnsmasqHosts = (reservations: ReadonlyArray<DhcpReservation>): string =>
  reservations
    .filter((reservation) => !reservation.ip.includes(":"))
    .map((reservation) =>
      [
        reservation.mac.toLowerCase(),
        reservation.ip,
        ...(reservation.hostname === undefined ? [] : [reservation.hostname]),
      ].join(","),
    )
    .map((line) => `${line}\n`)
    .join("")

/** Whether any subnet wants a DHCP server at all. */
export const wantsDhcp = (subnets: ReadonlyArray<HostSubnet>): boolean =>
  subnets.some((subnet) => subnet.dhcp && parseCidr(subnet.cidr)?.family === 4)

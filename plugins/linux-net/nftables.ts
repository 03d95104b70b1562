/** One of our bridges, as the firewall sees it. */
export interface FirewallBridge {
  readonly bridge: string
  readonly kind: "shared" | "isolated" | "vpc"
  /** The bridge's subnets in CIDR notation (shared ones are masqueraded). */
  readonly cidrs: ReadonlyArray<string>
  /** The gateway addresses the bridge holds (every host of a spanned network holds the same ones). */
  readonly gateways: ReadonlyArray<string>
  /** The VXLAN device on the bridge, when the network spans hosts. */
  readonly vxlan?: string
}

/** A NIC's tap with what it may send from (N3, N4): its MAC, and its primary and secondary IPv4 addresses. */
export interface FirewallTap {
  readonly tap: string
  readonly mac: string
  readonly addresses: ReadonlyArray<string>
}

const set = (name: string, type: string, elements: ReadonlyArray<string>, flags?: string) =>
  [
    `  set ${name} {`,
    `    type ${type}`,
    ...(flags === undefined ? [] : [`    flags ${flags}`]),
    ...(elements.length === 0 ? [] : [`    elements = { ${elements.join(", ")} }`]),
    "  }",
  ].join("\n")

const quoted = (names: ReadonlyArray<string>) => names.map((name) => `"${name}"`)

/**
 * The agent's whole firewall, one table of its own, replaced atomically by `nft -f -` (the leading `table` +
 * `delete table` pair makes the load work whether the table exists or not). Nothing outside the table is touched.
 *
 * - input: from our bridges the host answers DHCP (and IPv6 neighbour discovery) and replies, nothing else: a guest
 *   cannot reach the agent or another network's gateway address.
 * - forward: a shared network's guests reach anything that is not one of our bridges, replies come back; every
 *   other forwarded packet from or to our bridges is dropped (isolated and VPC networks reach nothing outside).
 *   Traffic inside one bridge is switched, not routed; it passes here only where br_netfilter is loaded
 *   (bridge-nf-call-iptables, on by default then) and is always accepted (`inside`).
 * - postrouting: a shared network's addresses are masqueraded when they leave through a non-bridge device.
 */
export const rulesetFor = (
  table: string,
  bridges: ReadonlyArray<FirewallBridge>,
  taps: ReadonlyArray<FirewallTap> = [],
): string => `${inetRuleset(table, bridges)}${bridgeRuleset(table, bridges, taps)}`

/**
 * A network that spans hosts has the same gateway address and a DHCP server on every host: each host serves its own
 * guests. So DHCP and ARP for the gateway never cross a VXLAN device, in either direction, forwarded or sent by the
 * host itself (IPv6 neighbour discovery for the gateway is not filtered yet).
 */
const bridgeRuleset = (
  table: string,
  bridges: ReadonlyArray<FirewallBridge>,
  taps: ReadonlyArray<FirewallTap>,
): string => {
  const spanned = bridges.filter((bridge) => bridge.vxlan !== undefined)
  const reset = `table bridge ${table}\ndelete table bridge ${table}\n`
  if (spanned.length === 0 && taps.length === 0) return reset
  const gateways = [
    ...new Set(spanned.flatMap((bridge) => bridge.gateways.filter((gateway) => !gateway.includes(":")))),
  ]
  const rules = [
    "    oifname @vxlans udp dport { 67, 68 } drop",
    "    iifname @vxlans udp dport { 67, 68 } drop",
    ...(gateways.length === 0
      ? []
      : [
          "    oifname @vxlans arp saddr ip @gateways drop",
          "    oifname @vxlans arp daddr ip @gateways drop",
          "    iifname @vxlans arp saddr ip @gateways drop",
          "    iifname @vxlans arp daddr ip @gateways drop",
        ]),
  ]
  const chain = (name: string) =>
    [`  chain ${name} {`, `    type filter hook ${name} priority filter; policy accept;`, ...rules, "  }"].join("\n")
  return [
    reset.trimEnd(),
    `table bridge ${table} {`,
    ...(spanned.length === 0
      ? []
      : [
          set("vxlans", "ifname", quoted(spanned.map((bridge) => bridge.vxlan ?? ""))),
          set("gateways", "ipv4_addr", gateways),
          chain("forward"),
          chain("output"),
          chain("input"),
        ]),
    ...(taps.length === 0 ? [] : tapGuard(taps)),
    "}",
    "",
  ].join("\n")
}

/**
 * Source guard (N3, N4): a frame a guest sends into its tap must carry the NIC's MAC and, for IPv4 and ARP, one of
 * the NIC's current addresses; a deleted secondary IP, or an address the guest made up, no longer answers even while
 * the guest still holds it. Checked where frames enter the bridge (prerouting), so it covers switched traffic, the
 * host's gateway and DHCP alike. DHCP's discover (from 0.0.0.0) and ARP probes (sender 0.0.0.0) pass. IPv6 is not
 * filtered yet.
 */
const tapGuard = (taps: ReadonlyArray<FirewallTap>): ReadonlyArray<string> => {
  const v4 = taps.flatMap((tap) =>
    tap.addresses.filter((address) => !address.includes(":")).map((address) => `"${tap.tap}" . ${address}`),
  )
  return [
    set("taps", "ifname", quoted(taps.map((tap) => tap.tap))),
    set(
      "tapmacs",
      "ifname . ether_addr",
      taps.map((tap) => `"${tap.tap}" . ${tap.mac}`),
    ),
    set("tapips", "ifname . ipv4_addr", v4),
    "  chain guard {",
    "    type filter hook prerouting priority filter; policy accept;",
    "    iifname != @taps accept",
    "    iifname . ether saddr != @tapmacs drop",
    "    arp saddr ip 0.0.0.0 accept",
    "    ether type arp iifname . arp saddr ip != @tapips drop",
    "    ip saddr 0.0.0.0 udp dport 67 accept",
    "    ether type ip iifname . ip saddr != @tapips drop",
    "  }",
  ]
}

const inetRuleset = (table: string, bridges: ReadonlyArray<FirewallBridge>): string => {
  if (bridges.length === 0) return `table inet ${table}\ndelete table inet ${table}\n`
  const shared = bridges.filter((bridge) => bridge.kind === "shared")
  const sharedCidrs = shared.flatMap((bridge) => bridge.cidrs)
  const v4 = sharedCidrs.filter((cidr) => !cidr.includes(":"))
  const v6 = sharedCidrs.filter((cidr) => cidr.includes(":"))
  return [
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    set("bridges", "ifname", quoted(bridges.map((bridge) => bridge.bridge))),
    set("shared", "ifname", quoted(shared.map((bridge) => bridge.bridge))),
    set("shared4", "ipv4_addr", v4, "interval"),
    set("shared6", "ipv6_addr", v6, "interval"),
    set(
      "inside",
      "ifname . ifname",
      bridges.map((bridge) => `"${bridge.bridge}" . "${bridge.bridge}"`),
    ),
    "  chain input {",
    "    type filter hook input priority filter; policy accept;",
    "    iifname != @bridges accept",
    "    ct state established,related accept",
    "    udp dport { 67, 547 } accept",
    "    icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } accept",
    "    drop",
    "  }",
    "  chain forward {",
    "    type filter hook forward priority filter; policy accept;",
    "    iifname . oifname @inside accept",
    "    iifname @shared oifname != @bridges accept",
    "    oifname @shared iifname != @bridges ct state established,related accept",
    "    iifname @bridges drop",
    "    oifname @bridges drop",
    "  }",
    "  chain postrouting {",
    "    type nat hook postrouting priority srcnat; policy accept;",
    "    ip saddr @shared4 oifname != @bridges masquerade",
    "    ip6 saddr @shared6 oifname != @bridges masquerade",
    "  }",
    "}",
    "",
  ].join("\n")
}

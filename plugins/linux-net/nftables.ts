/** One of our bridges, as the firewall sees it. */
export interface FirewallBridge {
  readonly bridge: string
  readonly kind: "shared" | "isolated" | "vpc"
  /** The bridge's subnets in CIDR notation (shared ones are masqueraded). */
  readonly cidrs: ReadonlyArray<string>
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
export const rulesetFor = (table: string, bridges: ReadonlyArray<FirewallBridge>): string => {
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

import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { dnsmasqConfig, dnsmasqHosts, wantsDhcp } from "./dnsmasq.ts"
import { aliasOf, deviceNames, IFNAMSIZ_MAX, markOf } from "./names.ts"
import { rulesetFor } from "./nftables.ts"

const files = { conf: "/s/b.conf", hosts: "/s/b.hosts", leases: "/s/b.leases", pid: "/s/b.pid" }

describe("linux-net: names, firewall and DHCP files (#15)", () => {
  it("device names are short, prefixed, stable, and differ per id and kind", () => {
    const names = deviceNames("hx")
    const all = [names.bridge("n1"), names.vxlan("n1"), names.tap("n1"), names.bridge("n2")]
    assert.equal(new Set(all).size, 4)
    for (const name of all) assert.ok(name.length <= IFNAMSIZ_MAX && name.startsWith("hx"), name)
    assert.equal(deviceNames("hx").bridge("n1"), names.bridge("n1"))
    assert.equal(deviceNames("abcdef").tap("x").length, IFNAMSIZ_MAX)
    assert.throws(() => deviceNames("toolong1"))
    assert.throws(() => deviceNames("Hx"))
  })

  it("aliases carry the ids and read back; anything else is not ours", () => {
    for (const mark of [
      { kind: "bridge", networkId: "n1", networkKind: "shared" },
      { kind: "vxlan", networkId: "n1" },
      { kind: "tap", nicId: "c1", networkId: "n1" },
    ] as const) {
      assert.deepEqual(markOf(aliasOf(mark)), mark)
    }
    for (const other of [undefined, "", "docker0", "hyperx", "hyperx nic only-one", "hyperx network shared n1 extra"]) {
      assert.equal(markOf(other), undefined, String(other))
    }
  })

  it("the firewall: our own table, replaced atomically; isolation, NAT for shared subnets only", () => {
    const text = rulesetFor("hyperx_hx", [
      { bridge: "hxb1", kind: "shared", cidrs: ["10.1.0.0/24", "fd00:1::/64"], gateways: ["10.1.0.1", "fd00:1::1"] },
      { bridge: "hxb2", kind: "isolated", cidrs: ["10.2.0.0/24"], gateways: ["10.2.0.1"] },
    ])
    assert.ok(text.startsWith("table inet hyperx_hx\ndelete table inet hyperx_hx\ntable inet hyperx_hx {"))
    assert.match(text, /set bridges \{\n\s+type ifname\n\s+elements = \{ "hxb1", "hxb2" \}/)
    assert.match(text, /set shared \{\n\s+type ifname\n\s+elements = \{ "hxb1" \}/)
    assert.match(text, /set shared4 \{[^}]*elements = \{ 10\.1\.0\.0\/24 \}/)
    assert.doesNotMatch(text, /10\.2\.0\.0/)
    assert.match(text, /elements = \{ "hxb1" \. "hxb1", "hxb2" \. "hxb2" \}/)
    // order matters: inside-bridge traffic first, then shared egress, then the drops
    const forward = text.slice(text.indexOf("chain forward"))
    const order = ["@inside accept", "iifname @shared oifname != @bridges accept", "iifname @bridges drop"].map(
      (rule) => forward.indexOf(rule),
    )
    assert.deepEqual(
      [...order].sort((x, y) => x - y),
      order,
    )
    assert.ok(order.every((index) => index > 0))
    assert.equal(
      rulesetFor("hyperx_hx", []),
      "table inet hyperx_hx\ndelete table inet hyperx_hx\ntable bridge hyperx_hx\ndelete table bridge hyperx_hx\n",
    )
    // no network spans hosts: the bridge-family table is only reset
    assert.ok(text.endsWith("table bridge hyperx_hx\ndelete table bridge hyperx_hx\n"))
  })

  it("N3 N4 each guarded tap sends only from its NIC's MAC and current IPv4 addresses; DHCP discovery passes", () => {
    const bridges = [{ bridge: "hxb1", kind: "isolated" as const, cidrs: ["10.1.0.0/24"], gateways: ["10.1.0.1"] }]
    const text = rulesetFor("hyperx_hx", bridges, [
      { tap: "hxt1", mac: "52:54:00:00:00:01", addresses: ["10.1.0.5", "10.1.0.9", "fd00::5"] },
      { tap: "hxt2", mac: "52:54:00:00:00:02", addresses: ["10.1.0.6"] },
    ])
    const bridgeTable = text.slice(text.indexOf("table bridge hyperx_hx {"))
    assert.match(bridgeTable, /set taps \{\n\s+type ifname\n\s+elements = \{ "hxt1", "hxt2" \}/)
    assert.match(bridgeTable, /elements = \{ "hxt1" \. 52:54:00:00:00:01, "hxt2" \. 52:54:00:00:00:02 \}/)
    assert.match(bridgeTable, /elements = \{ "hxt1" \. 10\.1\.0\.5, "hxt1" \. 10\.1\.0\.9, "hxt2" \. 10\.1\.0\.6 \}/)
    const guard = bridgeTable.slice(bridgeTable.indexOf("chain guard {"))
    assert.match(guard, /type filter hook prerouting priority filter; policy accept;/)
    // the order: other ports pass, then a foreign MAC, then DHCP's and ARP's 0.0.0.0, then a foreign address
    const order = [
      "iifname != @taps accept",
      "iifname . ether saddr != @tapmacs drop",
      "arp saddr ip 0.0.0.0 accept",
      "ether type arp iifname . arp saddr ip != @tapips drop",
      "ip saddr 0.0.0.0 udp dport 67 accept",
      "ether type ip iifname . ip saddr != @tapips drop",
    ].map((rule) => guard.indexOf(rule))
    assert.ok(
      order.every((index, i) => index > 0 && (i === 0 || index > (order[i - 1] ?? 0))),
      String(order),
    )
    // no network spans hosts: no tunnel chains
    assert.doesNotMatch(bridgeTable, /chain forward|@vxlans/)
  })

  it("a network spanning hosts keeps DHCP and ARP for its gateway on each host's side of the tunnel", () => {
    const text = rulesetFor("hyperx_hx", [
      { bridge: "hxb1", kind: "isolated", cidrs: ["10.1.0.0/24"], gateways: ["10.1.0.1"], vxlan: "hxv1" },
      { bridge: "hxb2", kind: "isolated", cidrs: ["10.2.0.0/24"], gateways: ["10.2.0.1"] },
    ])
    const bridgeTable = text.slice(text.indexOf("table bridge hyperx_hx {"))
    assert.match(bridgeTable, /set vxlans \{\n\s+type ifname\n\s+elements = \{ "hxv1" \}/)
    assert.match(bridgeTable, /set gateways \{\n\s+type ipv4_addr\n\s+elements = \{ 10\.1\.0\.1 \}/)
    for (const hook of ["forward", "output", "input"]) {
      const chain = bridgeTable.slice(bridgeTable.indexOf(`chain ${hook} {`))
      assert.match(chain, /oifname @vxlans udp dport \{ 67, 68 \} drop/)
      assert.match(chain, /iifname @vxlans arp daddr ip @gateways drop/)
    }
  })

  it("dnsmasq: DHCP only, static leases, a router only for shared networks, MTU for VXLAN", () => {
    const subnets = [
      { cidr: "10.1.0.0/24", gateway: "10.1.0.1", dhcp: true },
      { cidr: "fd00::/64", gateway: "fd00::1", dhcp: true },
    ]
    const shared = dnsmasqConfig({ bridge: "hxb1", shared: true, vxlan: false, subnets, files })
    assert.match(shared, /^port=0$/m)
    assert.match(shared, /^interface=hxb1$/m)
    assert.match(shared, /^dhcp-range=set:s0,10\.1\.0\.0,static,255\.255\.255\.0,1h$/m)
    assert.match(shared, /^dhcp-option=tag:s0,option:router,10\.1\.0\.1$/m)
    assert.doesNotMatch(shared, /fd00/)
    assert.doesNotMatch(shared, /mtu/)
    const isolated = dnsmasqConfig({ bridge: "hxb2", shared: false, vxlan: true, subnets, files })
    assert.match(isolated, /^dhcp-option=tag:s0,option:router$/m)
    assert.match(isolated, /^dhcp-option=tag:s0,option:mtu,1450$/m)
    assert.equal(
      dnsmasqHosts([
        { mac: "52:54:00:AA:00:01", ip: "10.1.0.5", hostname: "web" },
        { mac: "52:54:00:aa:00:02", ip: "10.1.0.6" },
        { mac: "52:54:00:aa:00:03", ip: "fd00::6" },
      ]),
      "52:54:00:aa:00:01,10.1.0.5,web\n52:54:00:aa:00:02,10.1.0.6\n",
    )
    assert.equal(wantsDhcp(subnets), true)
    assert.equal(wantsDhcp([{ cidr: "10.1.0.0/24", gateway: "10.1.0.1", dhcp: false }]), false)
  })
})

import assert from "node:assert/strict"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { Effect, Exit, ManagedRuntime, Scope } from "effect"
import { HostNetwork, type HostNetworkSpec } from "../../core/network/host-network.ts"
import { syncHostNetworks } from "../../core/network/sync.ts"
import { vniOf } from "../../core/network/vni.ts"
import { type HostCommands, makeHostCommands } from "../host-commands/host-commands.ts"
import { linuxNetLayer, makeLinuxNet } from "./linux-net.ts"
import {
  addClient,
  addHostWithOutside,
  addNetns,
  deleteNetns,
  dhcpClient,
  eventually,
  linksWithPrefix,
  netnsSkipUnlessCi,
  ping,
  sh,
  uniqueName,
} from "./testing.ts"

const PREFIX = "hxt"
const isolatedA: HostNetworkSpec = {
  networkId: "net-isolated-a",
  kind: "isolated",
  subnets: [{ cidr: "10.91.0.0/24", gateway: "10.91.0.1", dhcp: true }],
  reservations: [{ mac: "52:54:00:91:00:0a", ip: "10.91.0.10" }],
}
const isolatedB: HostNetworkSpec = {
  networkId: "net-isolated-b",
  kind: "isolated",
  subnets: [{ cidr: "10.92.0.0/24", gateway: "10.92.0.1", dhcp: true }],
  reservations: [{ mac: "52:54:00:92:00:0a", ip: "10.92.0.10" }],
}
const shared: HostNetworkSpec = {
  networkId: "net-shared",
  kind: "shared",
  subnets: [
    { cidr: "10.93.0.0/24", gateway: "10.93.0.1", dhcp: true },
    { cidr: "fd00:93::/64", gateway: "fd00:93::1", dhcp: false },
  ],
  reservations: [{ mac: "52:54:00:93:00:0a", ip: "10.93.0.10" }],
}
const alive = (pid: number | undefined) => pid !== undefined && existsSync(`/proc/${pid}`)

describe("linux-net: bridges, taps, firewall, DHCP and VXLAN in a namespace (#15)", {
  skip: netnsSkipUnlessCi(),
}, () => {
  const hostNs = uniqueName("hxh")
  const outsideNs = uniqueName("hxo")
  const clients: Array<string> = []
  let stateDir: string
  let scope: Scope.Closeable
  let commands: HostCommands
  let net: Effect.Success<ReturnType<typeof makeLinuxNet>>
  const run = <A, E>(effect: Effect.Effect<A, E, HostNetwork>) =>
    Effect.runPromise(effect.pipe(Effect.provideService(HostNetwork, net.service)))
  const open = () =>
    Effect.runPromise(
      Scope.provide(makeLinuxNet({ stateDir, prefix: PREFIX, netns: hostNs, uplinks: ["up0"] }, commands), scope),
    )
  const client = async (name: string, spec: HostNetworkSpec, mac: string, peer: string) => {
    const ns = uniqueName(name)
    clients.push(ns)
    await addClient(hostNs, ns, net.names.bridge(spec.networkId), peer, mac)
    return ns
  }

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "hx-linux-net-"))
    addHostWithOutside(hostNs, outsideNs)
    scope = await Effect.runPromise(Scope.make())
    commands = await Effect.runPromise(Scope.provide(makeHostCommands, scope))
    net = await open()
  })
  after(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    for (const ns of [...clients, hostNs, outsideNs]) deleteNetns(ns)
    await rm(stateDir, { recursive: true, force: true })
  })

  it("N1 a network is a bridge holding the gateway, with a DHCP server; a NIC is a tap on it", async () => {
    const info = await run(HostNetwork.use((host) => host.ensureNetwork(isolatedA)))
    assert.equal(info.bridge, net.names.bridge(isolatedA.networkId))
    assert.equal(info.dhcp, true)
    assert.match(sh(hostNs, `ip -j addr show dev ${info.bridge}`), /"local":"10\.91\.0\.1","prefixlen":24/)
    const tap = await run(
      HostNetwork.use((host) => host.ensureTap({ nicId: "nic-a1", networkId: isolatedA.networkId })),
    )
    assert.equal(tap.tap, net.names.tap("nic-a1"))
    assert.match(sh(hostNs, `ip -j link show dev ${tap.tap}`), new RegExp(`"master":"${info.bridge}"`))
    const pid = net.dhcpStatus(isolatedA.networkId).pid
    await eventually("dnsmasq runs", () => alive(net.dhcpStatus(isolatedA.networkId).pid))
    assert.ok(pid === undefined || alive(pid))
    assert.match(readFileSync(`/proc/${net.dhcpStatus(isolatedA.networkId).pid}/cmdline`, "utf8"), /dnsmasq/)
  })

  it("C6 DHCP gives a NIC the address IPAM reserved for its MAC, and nothing to an unknown MAC", async () => {
    const known = await client("hxc", isolatedA, "52:54:00:91:00:0a", "hxtpa1")
    assert.equal(dhcpClient(known), "10.91.0.10")
    const stranger = await client("hxc", isolatedA, "52:54:00:91:00:ff", "hxtpa2")
    assert.equal(dhcpClient(stranger), "")
  })

  it("ensuring again changes nothing; new reservations reach the running server without a restart", async () => {
    const pid = net.dhcpStatus(isolatedA.networkId).pid
    await run(HostNetwork.use((host) => host.ensureNetwork(isolatedA)))
    await run(HostNetwork.use((host) => host.ensureTap({ nicId: "nic-a1", networkId: isolatedA.networkId })))
    assert.equal(net.dhcpStatus(isolatedA.networkId).pid, pid)
    const more = {
      ...isolatedA,
      reservations: [...isolatedA.reservations, { mac: "52:54:00:91:00:ff", ip: "10.91.0.11" }],
    }
    await run(HostNetwork.use((host) => host.ensureNetwork(more)))
    assert.equal(net.dhcpStatus(isolatedA.networkId).pid, pid)
    const stranger = clients.at(-1) ?? ""
    assert.equal(dhcpClient(stranger), "10.91.0.11")
  })

  it("N3 N4 a tap's source guard is in the firewall and follows its addresses; a tap made again is guarded again", async () => {
    const nic = { nicId: "nic-a9", networkId: isolatedA.networkId }
    const guard = (addresses: ReadonlyArray<string>) => ({ mac: "52:54:00:91:00:09", addresses })
    const ensure = (addresses: ReadonlyArray<string>) =>
      run(HostNetwork.use((host) => host.ensureTap({ ...nic, guard: guard(addresses) })))
    const ruleset = () => sh(hostNs, "nft list ruleset")
    const { tap } = await ensure(["10.91.0.9"])
    const allows = (address: string) => new RegExp(`"${tap}" \\. ${address.replaceAll(".", "\\.")}\\b`)
    assert.match(ruleset(), allows("10.91.0.9"))
    assert.match(ruleset(), new RegExp(`"${tap}" \\. 52:54:00:91:00:09`))
    await ensure(["10.91.0.9", "10.91.0.19"])
    assert.match(ruleset(), allows("10.91.0.19"))
    await ensure(["10.91.0.9"])
    assert.doesNotMatch(ruleset(), allows("10.91.0.19"))
    // the tap vanishes (a reboot) and the firewall is rendered without it; ensured again, it is guarded again
    sh(hostNs, `ip link del ${tap}`)
    await run(HostNetwork.use((host) => host.ensureNetwork(isolatedA)))
    assert.doesNotMatch(ruleset(), allows("10.91.0.9"))
    await ensure(["10.91.0.9"])
    assert.match(ruleset(), allows("10.91.0.9"))
    await run(HostNetwork.use((host) => host.removeTap(nic.nicId)))
    assert.doesNotMatch(ruleset(), new RegExp(tap))
  })

  it("a DHCP server that dies is started again", async () => {
    const { pid, restarts } = net.dhcpStatus(isolatedA.networkId)
    assert.ok(pid !== undefined)
    process.kill(pid, "SIGKILL")
    await eventually("a new dnsmasq", () => {
      const now = net.dhcpStatus(isolatedA.networkId)
      return now.pid !== undefined && now.pid !== pid && alive(now.pid)
    })
    assert.equal(net.dhcpStatus(isolatedA.networkId).restarts, restarts + 1)
  })

  it("isolated networks reach nothing outside themselves; a shared one reaches the outside through NAT", async () => {
    await run(HostNetwork.use((host) => host.ensureNetwork(isolatedB)))
    await run(HostNetwork.use((host) => host.ensureNetwork(shared)))
    const a = clients[0] ?? ""
    const b = await client("hxc", isolatedB, "52:54:00:92:00:0a", "hxtpb1")
    const s = await client("hxc", shared, "52:54:00:93:00:0a", "hxtps1")
    assert.equal(dhcpClient(b), "10.92.0.10")
    assert.equal(dhcpClient(s), "10.93.0.10")
    // b has no route to a's network; give it one through its gateway, so only the firewall can stop it
    sh(b, "ip route replace 10.91.0.0/24 via 10.92.0.1")
    assert.notEqual(ping(b, "10.91.0.10"), 0, "isolated B reached isolated A")
    assert.notEqual(ping(b, "10.91.0.1"), 0, "isolated B reached A's gateway on the host")
    assert.notEqual(ping(b, "10.92.0.1"), 0, "isolated B reached the host")
    sh(a, "ip route replace default via 10.91.0.1")
    assert.notEqual(ping(a, "192.0.2.2"), 0, "isolated A reached the outside")
    // the outside has no route back to 10.93.0.0/24: an answer proves masquerading
    assert.equal(ping(s, "192.0.2.2"), 0, "shared network did not reach the outside")
    assert.notEqual(ping(s, "10.91.0.10"), 0, "shared network reached isolated A")
    assert.match(sh(hostNs, "sysctl -n net.ipv4.ip_forward"), /^0/, "forwarding was turned on host-wide")
  })

  it("a restarted agent finds what exists by the devices' aliases", async () => {
    const again = await open()
    const state = await Effect.runPromise(again.service.list())
    assert.deepEqual(state.networks.map((network) => network.networkId).sort(), [
      isolatedA.networkId,
      isolatedB.networkId,
      shared.networkId,
    ])
    assert.deepEqual(state.taps, [{ nicId: "nic-a1", networkId: isolatedA.networkId, tap: net.names.tap("nic-a1") }])
  })

  it("a bridge and a tap removed behind the agent's back come back with the next sync", async () => {
    const bridge = net.names.bridge(isolatedA.networkId)
    sh(hostNs, `ip link del ${net.names.tap("nic-a1")} && ip link del ${bridge}`)
    const report = await run(
      syncHostNetworks({
        networks: [isolatedA, isolatedB, shared],
        taps: [{ nicId: "nic-a1", networkId: isolatedA.networkId }],
      }),
    )
    assert.deepEqual(report, { removedTaps: [], removedNetworks: [] })
    assert.match(sh(hostNs, `ip -j addr show dev ${bridge}`), /"local":"10\.91\.0\.1","prefixlen":24/)
    assert.match(sh(hostNs, `ip -j link show dev ${net.names.tap("nic-a1")}`), new RegExp(`"master":"${bridge}"`))
    assert.match(sh(hostNs, "nft list table inet hyperx_hxt"), new RegExp(`"${bridge}"`))
  })

  it("VXLAN: one device per network with the network's VNI and one flood entry per peer; a VNI serves one network", async () => {
    // the underlay: up0's address (this kernel has no dummy devices)
    const vni = vniOf(shared.networkId)
    const withPeers = (peers: ReadonlyArray<string>) => ({ ...shared, vxlan: { vni, local: "192.0.2.1", peers } })
    const info = await run(HostNetwork.use((host) => host.ensureNetwork(withPeers(["198.51.100.2", "198.51.100.3"]))))
    assert.deepEqual(info.vxlan, { device: net.names.vxlan(shared.networkId), vni })
    const fdb = () =>
      sh(hostNs, `bridge fdb show dev ${net.names.vxlan(shared.networkId)} | grep 00:00:00:00:00:00 || true`)
    assert.match(fdb(), /dst 198\.51\.100\.2/)
    assert.match(fdb(), /dst 198\.51\.100\.3/)
    await run(HostNetwork.use((host) => host.ensureNetwork(withPeers(["198.51.100.3"]))))
    assert.doesNotMatch(fdb(), /198\.51\.100\.2/)
    assert.match(sh(hostNs, `ip -d link show ${net.names.vxlan(shared.networkId)}`), new RegExp(`vxlan id ${vni} `))
    const clash = await Effect.runPromise(
      Effect.flip(net.service.ensureNetwork({ ...isolatedB, vxlan: { vni, local: "192.0.2.1", peers: [] } })),
    )
    assert.match(clash.message, /already carries network net-shared/)
  })

  it("as a layer (what the agent uses): the same host, seen through HostNetwork", async () => {
    const runtime = ManagedRuntime.make(linuxNetLayer({ stateDir, prefix: PREFIX, netns: hostNs, uplinks: ["up0"] }))
    const state = await runtime.runPromise(HostNetwork.use((host) => host.list()))
    await runtime.dispose()
    assert.deepEqual(state.networks.map((network) => network.networkId).sort(), [
      isolatedA.networkId,
      isolatedB.networkId,
      shared.networkId,
    ])
  })

  it("sync with no NICs left removes every device, the firewall table, the DHCP servers and their files", async () => {
    for (const ns of clients.splice(0)) deleteNetns(ns)
    const pids = [isolatedA, isolatedB, shared].map((spec) => net.dhcpStatus(spec.networkId).pid)
    const report = await run(syncHostNetworks({ networks: [], taps: [] }))
    assert.deepEqual(report.removedTaps, ["nic-a1"])
    assert.equal(report.removedNetworks.length, 3)
    assert.deepEqual(linksWithPrefix(hostNs, PREFIX), [])
    assert.doesNotMatch(sh(hostNs, "nft list tables"), new RegExp(net.table))
    await eventually("every dnsmasq ended", () => pids.every((pid) => !alive(pid)))
    assert.deepEqual(readdirSync(stateDir), [])
  })
})

describe("linux-net: one network spanning two hosts over VXLAN (#15)", { skip: netnsSkipUnlessCi() }, () => {
  const hosts = [uniqueName("hxh"), uniqueName("hxh")] as const
  const clients: Array<string> = []
  const underlay = ["192.0.2.1", "192.0.2.2"] as const
  const scopes: Array<Scope.Closeable> = []
  const nets: Array<Effect.Success<ReturnType<typeof makeLinuxNet>>> = []
  let stateDir: string
  const spanned = (host: 0 | 1): HostNetworkSpec => ({
    networkId: "net-spanned",
    kind: "isolated",
    subnets: [{ cidr: "10.95.0.0/24", gateway: "10.95.0.1", dhcp: true }],
    // each host reserves the addresses of the NICs it runs (desiredHostNetworks)
    reservations: [{ mac: `52:54:00:95:00:0${host + 1}`, ip: `10.95.0.1${host}` }],
    vxlan: { vni: vniOf("net-spanned"), local: underlay[host], peers: [underlay[1 - host] ?? ""] },
  })

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "hx-linux-net-vx-"))
    for (const host of hosts) addNetns(host)
    sh(hosts[0], `ip link add u0 type veth peer name u0 netns ${hosts[1]}`)
    for (const [index, host] of hosts.entries()) {
      sh(host, `ip addr add ${underlay[index]}/24 dev u0 && ip link set u0 up`)
      const scope = await Effect.runPromise(Scope.make())
      scopes.push(scope)
      const commands = await Effect.runPromise(Scope.provide(makeHostCommands, scope))
      nets.push(
        await Effect.runPromise(
          Scope.provide(
            makeLinuxNet({ stateDir: join(stateDir, host), prefix: PREFIX, netns: host, uplinks: [] }, commands),
            scope,
          ),
        ),
      )
    }
  })
  after(async () => {
    for (const scope of scopes) await Effect.runPromise(Scope.close(scope, Exit.void))
    for (const ns of [...clients, ...hosts]) deleteNetns(ns)
    await rm(stateDir, { recursive: true, force: true })
  })

  it("each host's guests get their address from their own host; guests on different hosts reach each other", async () => {
    const guests: Array<string> = []
    for (const index of [0, 1] as const) {
      const net = nets[index] ?? assert.fail()
      const info = await Effect.runPromise(net.service.ensureNetwork(spanned(index)))
      const client = uniqueName("hxc")
      clients.push(client)
      await addClient(hosts[index], client, info.bridge, "hxtpv", `52:54:00:95:00:0${index + 1}`)
      guests.push(client)
    }
    const [first = "", second = ""] = guests
    assert.equal(dhcpClient(first), "10.95.0.10")
    assert.equal(dhcpClient(second), "10.95.0.11")
    assert.equal(ping(first, "10.95.0.11"), 0, "no traffic across the tunnel")
    assert.equal(ping(second, "10.95.0.10"), 0, "no traffic across the tunnel")
    // each host's DHCP server saw only its own guest
    for (const [index, host] of hosts.entries()) {
      const log = readdirSync(join(stateDir, host)).find((file) => file.endsWith(".log")) ?? ""
      const text = readFileSync(join(stateDir, host, log), "utf8")
      assert.match(text, new RegExp(`DHCPACK\\S* 10\\.95\\.0\\.1${index} `))
      assert.doesNotMatch(text, new RegExp(`52:54:00:95:00:0${2 - index}`), `${host} heard the other host's guest`)
    }
  })
})

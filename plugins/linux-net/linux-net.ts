import { mkdir, readFile, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Effect, Layer, Schema, Semaphore } from "effect"
import { formatAddress, parseAddress } from "../../core/ipam/address.ts"
import { parseCidr } from "../../core/ipam/cidr.ts"
import {
  HostNetwork,
  HostNetworkError,
  type HostNetworkInfo,
  type HostNetworkSpec,
  type HostNetworkState,
  type HostTap,
  TapGuard,
  type TapSpec,
  type VxlanSpec,
} from "../../core/network/host-network.ts"
import type { HostCommands } from "../host-commands/host-commands.ts"
import { makeHostCommands } from "../host-commands/host-commands.ts"
import { makeDhcpSupervisor } from "./dhcp-supervisor.ts"
import { type DnsmasqFiles, dnsmasqConfig, dnsmasqHosts, wantsDhcp } from "./dnsmasq.ts"
import { type Exec, type Link, makeExec, readAddresses, readLinks, readVxlanPeers } from "./exec.ts"
import { aliasOf, deviceNames, markOf } from "./names.ts"
import { type FirewallBridge, type FirewallTap, rulesetFor } from "./nftables.ts"

const decodeGuard = Schema.decodeUnknownEffect(Schema.fromJsonString(TapGuard))
/** A removal's outcome: whether there was something to remove. */
const gone = [() => true, () => false] as const

export interface LinuxNetOptions {
  /** Where each network's dnsmasq files live (config, reservations, leases, pid, log). */
  readonly stateDir: string
  /** Device name prefix, 1–6 characters (default "hx"); the nftables table is `hyperx_<prefix>`. */
  readonly prefix?: string
  /** Do everything inside this network namespace (tests; a host that keeps its VMs in one). */
  readonly netns?: string
  /**
   * The devices shared networks reach the outside through; IPv4 forwarding is turned on for them and for shared
   * bridges only, never host-wide. Default: the devices of the default routes.
   */
  readonly uplinks?: ReadonlyArray<string>
  readonly dnsmasq?: string
}

const fail = (operation: string, message: string) => Effect.fail(new HostNetworkError({ operation, message }))

const io = <A>(operation: string, run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: (cause) => new HostNetworkError({ operation, message: String(cause) }) })

/** The gateway of each subnet as the bridge holds it: "10.1.0.1/24". */
const gatewayAddresses = (spec: HostNetworkSpec) =>
  spec.subnets.flatMap((subnet) => {
    const cidr = parseCidr(subnet.cidr)
    return cidr === undefined ? [] : [`${subnet.gateway}/${cidr.prefix}`]
  })

/** "10.1.0.1/24" → "10.1.0.0/24". */
const networkOf = (address: string): string | undefined => {
  const [ip = "", prefixText = ""] = address.split("/")
  const parsed = parseAddress(ip)
  const prefix = Number(prefixText)
  if (parsed === undefined || !Number.isInteger(prefix)) return undefined
  const size = 1n << BigInt((parsed.family === 4 ? 32 : 128) - prefix)
  return `${formatAddress({ family: parsed.family, value: (parsed.value / size) * size })}/${prefix}`
}

export const makeLinuxNet = (options: LinuxNetOptions, commands: HostCommands) =>
  Effect.gen(function* () {
    const names = deviceNames(options.prefix)
    const table = `hyperx_${names.prefix}`
    const exec: Exec = makeExec(commands, options.netns)
    const dhcp = yield* makeDhcpSupervisor({ commands, netns: options.netns, binary: options.dnsmasq ?? "dnsmasq" })
    // One change at a time: the firewall is rendered from what exists, and two renders must not interleave.
    const lock = yield* Semaphore.make(1)
    yield* io("mkdir", () => mkdir(options.stateDir, { recursive: true }))

    const ip = (...args: ReadonlyArray<string>) => exec("ip", args)
    const filesOf = (bridge: string): DnsmasqFiles & { readonly log: string } => ({
      conf: join(options.stateDir, `${bridge}.conf`),
      hosts: join(options.stateDir, `${bridge}.hosts`),
      leases: join(options.stateDir, `${bridge}.leases`),
      pid: join(options.stateDir, `${bridge}.pid`),
      log: join(options.stateDir, `${bridge}.log`),
    })

    const ours = (links: ReadonlyArray<Link>) =>
      links.flatMap((link) => {
        const mark = markOf(link.ifalias)
        return mark !== undefined && link.ifname.startsWith(names.prefix) ? [{ link, mark }] : []
      })

    const uplinks = Effect.gen(function* () {
      if (options.uplinks !== undefined) return options.uplinks
      const text = yield* ip("-j", "route", "show", "default")
      const routes = (text.trim() === "" ? [] : JSON.parse(text)) as ReadonlyArray<{ dev?: string }>
      return routes.flatMap((route) => (route.dev === undefined ? [] : [route.dev]))
    })

    const forwarding = (device: string) => exec("sysctl", ["-q", "-w", `net.ipv4.conf.${device}.forwarding=1`])

    /** Where a tap's source guard is kept, so that the firewall can be rendered again from the host alone. */
    const guardFile = (tap: string) => join(options.stateDir, `${tap}.guard`)
    /** The guard of a tap that exists; none when its file is missing or not what the agent wrote. */
    const guardOf = (tap: string) =>
      io("read tap guard", () => readFile(guardFile(tap), "utf8").catch(() => "")).pipe(
        Effect.flatMap((text) => (text === "" ? Effect.succeed(undefined) : decodeGuard(text))),
        Effect.orElseSucceed(() => undefined),
      )

    /** The firewall for the bridges and guarded taps that exist now, loaded in one transaction. */
    const renderFirewall = Effect.gen(function* () {
      const bridges: Array<FirewallBridge> = []
      const taps: Array<FirewallTap> = []
      const marked = ours(yield* readLinks(exec))
      for (const { link, mark } of marked) {
        if (mark.kind !== "tap") continue
        const guard = yield* guardOf(link.ifname)
        if (guard !== undefined) taps.push({ tap: link.ifname, ...guard })
      }
      for (const { link, mark } of marked) {
        if (mark.kind !== "bridge") continue
        const kind = mark.networkKind === "shared" ? "shared" : mark.networkKind === "vpc" ? "vpc" : "isolated"
        const addresses = yield* readAddresses(exec, link.ifname)
        const cidrs = addresses.flatMap((address) => {
          const cidr = networkOf(address)
          return cidr === undefined ? [] : [cidr]
        })
        const gateways = addresses.map((address) => address.split("/")[0] ?? "")
        const vxlan = marked.find((other) => other.mark.kind === "vxlan" && other.link.master === link.ifname)
        bridges.push({ bridge: link.ifname, kind, cidrs, gateways, ...(vxlan ? { vxlan: vxlan.link.ifname } : {}) })
      }
      yield* exec("nft", ["-f", "-"], rulesetFor(table, bridges, taps))
    })

    const ensureLink = (name: string, create: ReadonlyArray<string>, alias: string, existing: ReadonlyArray<Link>) =>
      Effect.gen(function* () {
        if (!existing.some((link) => link.ifname === name)) yield* ip("link", "add", name, ...create)
        yield* ip("link", "set", "dev", name, "alias", alias)
      })

    const ensureVxlan = (spec: HostNetworkSpec, vxlan: VxlanSpec, bridge: string, links: ReadonlyArray<Link>) =>
      Effect.gen(function* () {
        const device = names.vxlan(spec.networkId)
        const clash = ours(links).find(
          ({ link, mark }) =>
            mark.kind === "vxlan" && mark.networkId !== spec.networkId && link.linkinfo?.info_data?.id === vxlan.vni,
        )
        if (clash)
          return yield* fail(
            "ensureNetwork",
            `VNI ${vxlan.vni} already carries network ${clash.mark.kind === "vxlan" ? clash.mark.networkId : ""}`,
          )
        const current = links.find((link) => link.ifname === device)
        if (current !== undefined && current.linkinfo?.info_data?.id !== vxlan.vni) yield* ip("link", "del", device)
        const create = ["type", "vxlan", "id", String(vxlan.vni), "dstport", "4789", "local", vxlan.local]
        yield* ensureLink(
          device,
          vxlan.device === undefined ? create : [...create, "dev", vxlan.device],
          aliasOf({ kind: "vxlan", networkId: spec.networkId }),
          current !== undefined && current.linkinfo?.info_data?.id === vxlan.vni ? links : [],
        )
        yield* ip("link", "set", "dev", device, "master", bridge, "up")
        const peers = yield* readVxlanPeers(exec, device)
        for (const peer of vxlan.peers.filter((peer) => !peers.includes(peer))) {
          yield* exec("bridge", ["fdb", "append", "00:00:00:00:00:00", "dev", device, "dst", peer])
        }
        for (const peer of peers.filter((peer) => !vxlan.peers.includes(peer))) {
          yield* exec("bridge", ["fdb", "del", "00:00:00:00:00:00", "dev", device, "dst", peer])
        }
        return { device, vni: vxlan.vni }
      })

    const ensureDhcp = (spec: HostNetworkSpec, bridge: string) =>
      Effect.gen(function* () {
        const files = filesOf(bridge)
        if (!wantsDhcp(spec.subnets)) {
          yield* dhcp.stop(spec.networkId)
          return false
        }
        const conf = dnsmasqConfig({
          bridge,
          shared: spec.kind === "shared",
          vxlan: spec.vxlan !== undefined,
          subnets: spec.subnets,
          files,
        })
        const hosts = dnsmasqHosts(spec.reservations)
        const [oldConf, oldHosts] = yield* io("read dnsmasq files", () =>
          Promise.all([readFile(files.conf, "utf8").catch(() => ""), readFile(files.hosts, "utf8").catch(() => "")]),
        )
        yield* io("write dnsmasq files", () =>
          Promise.all([writeFile(files.conf, conf), writeFile(files.hosts, hosts)]),
        )
        // a new config needs a new process; new reservations only a reload
        if (oldConf !== conf) yield* dhcp.stop(spec.networkId)
        if (yield* dhcp.running(spec.networkId)) {
          if (oldHosts !== hosts) yield* dhcp.reload(spec.networkId)
        } else {
          yield* dhcp.start(spec.networkId, files, files.log)
        }
        return true
      })

    const ensureNetwork = Effect.fn("LinuxNet.ensureNetwork")(function* (spec: HostNetworkSpec) {
      const bridge = names.bridge(spec.networkId)
      const links = yield* readLinks(exec)
      yield* ensureLink(
        bridge,
        ["type", "bridge"],
        aliasOf({ kind: "bridge", networkId: spec.networkId, networkKind: spec.kind }),
        links,
      )
      yield* ip("link", "set", "dev", bridge, "up")
      const wanted = gatewayAddresses(spec)
      const present = yield* readAddresses(exec, bridge)
      for (const address of wanted.filter((address) => !present.includes(address))) {
        yield* ip("addr", "add", address, "dev", bridge, ...(address.includes(":") ? ["nodad"] : []))
      }
      for (const address of present.filter((address) => !wanted.includes(address))) {
        yield* ip("addr", "del", address, "dev", bridge)
      }
      if (spec.kind === "shared") {
        yield* forwarding(bridge)
        for (const uplink of yield* uplinks) yield* forwarding(uplink)
      }
      let vxlan: HostNetworkInfo["vxlan"]
      if (spec.vxlan !== undefined) vxlan = yield* ensureVxlan(spec, spec.vxlan, bridge, links)
      else if (links.some((link) => link.ifname === names.vxlan(spec.networkId))) {
        yield* ip("link", "del", names.vxlan(spec.networkId))
      }
      yield* renderFirewall
      const served = yield* ensureDhcp(spec, bridge)
      return { networkId: spec.networkId, bridge, dhcp: served, ...(vxlan === undefined ? {} : { vxlan }) }
    })

    const ensureTap = Effect.fn("LinuxNet.ensureTap")(function* ({ guard, ...nic }: TapSpec) {
      const bridge = names.bridge(nic.networkId)
      const links = yield* readLinks(exec)
      if (!links.some((link) => link.ifname === bridge)) {
        return yield* fail("ensureTap", `network ${nic.networkId} has no bridge on this host`)
      }
      const tap = names.tap(nic.nicId)
      const existed = links.some((link) => link.ifname === tap)
      if (!existed) yield* ip("tuntap", "add", "dev", tap, "mode", "tap")
      yield* ip("link", "set", "dev", tap, "alias", aliasOf({ kind: "tap", ...nic }))
      yield* ip("link", "set", "dev", tap, "master", bridge, "up")
      // the guard (N3, N4): written first, then the firewall, when it changed or its tap is new (after a reboot the
      // file is still there, but the firewall was rendered while the tap did not exist)
      const text = guard === undefined ? "" : JSON.stringify(guard)
      const old = yield* io("read tap guard", () => readFile(guardFile(tap), "utf8").catch(() => ""))
      if (old !== text || (!existed && text !== "")) {
        yield* io("write tap guard", () =>
          text === "" ? rm(guardFile(tap), { force: true }) : writeFile(guardFile(tap), text),
        )
        yield* renderFirewall
      }
      return { ...nic, tap } satisfies HostTap
    })

    const removeTap = Effect.fn("LinuxNet.removeTap")(function* (nicId: string) {
      const tap = names.tap(nicId)
      const links = yield* readLinks(exec)
      if (links.some((link) => link.ifname === tap)) yield* ip("link", "del", tap)
      const hadGuard = yield* io("remove tap guard", () => rm(guardFile(tap)).then(...gone))
      if (hadGuard) yield* renderFirewall
    })

    const removeNetwork = Effect.fn("LinuxNet.removeNetwork")(function* (networkId: string) {
      yield* dhcp.stop(networkId)
      const links = yield* readLinks(exec)
      for (const { link, mark } of ours(links)) {
        if (mark.kind !== "tap" || mark.networkId !== networkId) continue
        yield* ip("link", "del", link.ifname)
        yield* io("remove tap guard", () => rm(guardFile(link.ifname), { force: true }))
      }
      for (const device of [names.vxlan(networkId), names.bridge(networkId)]) {
        if (links.some((link) => link.ifname === device)) yield* ip("link", "del", device)
      }
      const files = filesOf(names.bridge(networkId))
      yield* io("remove dnsmasq files", () =>
        Promise.all(
          [files.conf, files.hosts, files.leases, files.pid, files.log].map((path) => rm(path, { force: true })),
        ),
      )
      yield* renderFirewall
    })

    const list = Effect.fn("LinuxNet.list")(function* () {
      const marked = ours(yield* readLinks(exec))
      const networks: Array<HostNetworkInfo> = []
      const taps: Array<HostTap> = []
      for (const { link, mark } of marked) {
        if (mark.kind === "bridge") {
          const vxlan = marked.find((other) => other.mark.kind === "vxlan" && other.mark.networkId === mark.networkId)
          const vni = vxlan?.link.linkinfo?.info_data?.id
          networks.push({
            networkId: mark.networkId,
            bridge: link.ifname,
            dhcp: yield* dhcp.running(mark.networkId),
            ...(vxlan === undefined || vni === undefined ? {} : { vxlan: { device: vxlan.link.ifname, vni } }),
          })
        } else if (mark.kind === "tap") taps.push({ nicId: mark.nicId, networkId: mark.networkId, tap: link.ifname })
      }
      return { networks, taps } satisfies HostNetworkState
    })

    const locked =
      <A extends ReadonlyArray<unknown>, B>(f: (...args: A) => Effect.Effect<B, HostNetworkError>) =>
      (...args: A) =>
        lock.withPermits(1)(f(...args))

    const service = HostNetwork.of({
      ensureNetwork: locked(ensureNetwork),
      ensureTap: locked(ensureTap),
      removeTap: locked(removeTap),
      removeNetwork: locked(removeNetwork),
      list: locked(list),
    })
    return { service, names, table, dhcpStatus: dhcp.status }
  })

/** HostNetwork on this Linux host (root: ip, nft, sysctl, dnsmasq); DHCP servers end with the layer. */
export const linuxNetLayer = (options: LinuxNetOptions) =>
  Layer.effect(
    HostNetwork,
    Effect.gen(function* () {
      const commands = yield* makeHostCommands
      return (yield* makeLinuxNet(options, commands)).service
    }),
  )

/**
 * The host half of the conformance suite's NetworkProbe (conformance/config.ts): an isolated linux-net network in the
 * host's own namespace (a driver's hypervisor runs there: QEMU through the host commands, libvirt's domains under
 * libvirtd), and a peer in a namespace of its own joined to the bridge by a veth pair. Isolated: no NAT, no
 * forwarding, the firewall table hyperx_<prefix> of its own; traffic stays on the bridge. The guest half (addresses,
 * ping from the guest) is the driver's, through its guest agent.
 */
import { execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { Effect, Exit, Scope } from "effect"
import type { NetworkProbe } from "../../conformance/config.ts"
import type { Driver } from "../../core/driver/driver.ts"
import type { NicBacking } from "../../core/driver/spec.ts"
import type { DhcpReservation, HostNetworkSpec } from "../../core/network/host-network.ts"
import { makeHostCommands } from "../host-commands/host-commands.ts"
import { makeLinuxNet } from "./linux-net.ts"
import { addNetns, deleteNetns, netnsSkip, ping } from "./testing.ts"

export interface ConformanceNetwork {
  readonly peer: string
  readonly prepare: (mac: string) => Effect.Effect<{ readonly backing: NicBacking; readonly address: string }, unknown>
  readonly release: (mac: string) => Effect.Effect<void, unknown>
  readonly peerPings: (address: string) => Effect.Effect<boolean, unknown>
  readonly dispose: () => Promise<void>
}

/** Why no conformance network can be made here, or undefined. */
export const conformanceNetworkSkip = (): string | undefined => netnsSkip() || undefined

/**
 * A network for NIC connectivity cases. `backing` says how the driver joins it: QEMU opens a tap linux-net made,
 * libvirt makes its own tap on the bridge.
 */
export const makeConformanceNetwork = async (options: {
  readonly stateDir: string
  readonly backing: "tap" | "bridge"
}): Promise<ConformanceNetwork> => {
  const id = randomBytes(3).toString("hex")
  const prefix = `hc${id.slice(0, 4)}`
  const peerNs = `hxcp${id}`
  // a /24 in 10.250/16 this host does not route yet
  const routes = execFileSync("ip", ["-4", "route", "show"], { encoding: "utf8" })
  const third = [...Array(200).keys()].map((n) => n + 20).find((n) => !routes.includes(`10.250.${n}.`)) ?? 250
  const net24 = `10.250.${third}`
  const scope = await Effect.runPromise(Scope.make())
  const commands = await Effect.runPromise(Scope.provide(makeHostCommands, scope))
  const net = await Effect.runPromise(
    Scope.provide(makeLinuxNet({ stateDir: options.stateDir, prefix }, commands), scope),
  )
  const reservations = new Map<string, DhcpReservation>()
  const spec = (): HostNetworkSpec => ({
    networkId: `conformance-${id}`,
    kind: "isolated",
    subnets: [{ cidr: `${net24}.0/24`, gateway: `${net24}.1`, dhcp: true }],
    reservations: [...reservations.values()],
  })
  const info = await Effect.runPromise(net.service.ensureNetwork(spec()))
  addNetns(peerNs)
  execFileSync("ip", ["link", "add", `${prefix}p0`, "type", "veth", "peer", "name", "eth0", "netns", peerNs])
  execFileSync("ip", ["link", "set", `${prefix}p0`, "master", info.bridge, "up"])
  execFileSync("ip", ["-n", peerNs, "addr", "add", `${net24}.2/24`, "dev", "eth0"])
  execFileSync("ip", ["-n", peerNs, "link", "set", "eth0", "up"])
  let next = 10
  const nicIdOf = (mac: string) => `conformance-${mac.replaceAll(":", "")}`

  return {
    peer: `${net24}.2`,
    prepare: (mac) =>
      Effect.gen(function* () {
        const address = `${net24}.${next++}`
        reservations.set(mac, { mac, ip: address })
        yield* net.service.ensureNetwork(spec())
        if (options.backing === "bridge") return { backing: { kind: "bridge", bridge: info.bridge } as const, address }
        const tap = yield* net.service.ensureTap({ nicId: nicIdOf(mac), networkId: spec().networkId })
        return { backing: { kind: "tap", tap: tap.tap } as const, address }
      }),
    release: (mac) =>
      Effect.gen(function* () {
        reservations.delete(mac)
        yield* net.service.ensureNetwork(spec())
        yield* net.service.removeTap(nicIdOf(mac))
      }),
    peerPings: (address) => Effect.sync(() => ping(peerNs, address) === 0),
    dispose: async () => {
      await Effect.runPromise(net.service.removeNetwork(spec().networkId).pipe(Effect.ignore))
      await Effect.runPromise(Scope.close(scope, Exit.void))
      deleteNetns(peerNs)
    },
  }
}

/** Runs a shell script in a test guest and yields its output (the driver's guest-agent exec). */
export type GuestShell = (
  driver: Driver,
  name: string,
  script: string,
  ...args: ReadonlyArray<string>
) => Effect.Effect<string, unknown>

/** The whole NetworkProbe: the host half above, the guest half through the driver's guest shell. */
export const networkProbe = (host: ConformanceNetwork, shell: GuestShell): NetworkProbe => ({
  peer: host.peer,
  prepare: host.prepare,
  release: host.release,
  peerPings: host.peerPings,
  addresses: (driver, name) =>
    shell(driver, name, "ip -4 -o addr show | awk '{ print $4 }'").pipe(
      Effect.map((text) => text.split("\n").flatMap((line) => (line.trim() === "" ? [] : [line.split("/")[0] ?? ""]))),
    ),
  guestPings: (driver, name, address) =>
    shell(driver, name, 'ping -c 1 -W 2 "$1" > /dev/null && echo yes || echo no', address).pipe(
      Effect.map((answer) => answer.trim() === "yes"),
    ),
})

import { mkdir } from "node:fs/promises"
import { Effect, type Scope } from "effect"
import type { Capability } from "../../../core/driver/capabilities.ts"
import type { ConsoleEndpoint, Driver } from "../../../core/driver/driver.ts"
import { DriverError, HypervisorFailure } from "../../../core/driver/errors.ts"
import { makeHostCommands } from "../../host-commands/host-commands.ts"
import type { LibvirtClient } from "../virsh/client.ts"
import { toDriverError } from "../virsh/errors.ts"
import { runVirsh } from "../virsh/run.ts"
import { makeVirshClient } from "../virsh/virsh-client.ts"
import { makeGuestAgent, makeQuiesce } from "./agent.ts"
import { makeBackups } from "./backups.ts"
import { makeConsoles } from "./consoles.ts"
import { makeContext } from "./context.ts"
import { makeDevices } from "./devices.ts"
import { driverEvents } from "./events.ts"
import { makeLifecycle } from "./lifecycle.ts"
import { makeMigration, type PeerXml } from "./migration.ts"
import { type LibvirtDriverOptions, resolveOptions, serialPaths } from "./options.ts"
import { makeQemuImg } from "./qemu-img.ts"
import { makeSnapshots } from "./snapshots.ts"
import { makeStats } from "./stats.ts"
import { makeVolumes } from "./volumes.ts"

/**
 * What this driver declares. usbPassthrough (a USB device by vendor and product ids: libvirt 9 cannot name a port)
 * and pciPassthrough (a managed `<hostdev>`) are declared; on a host without USB devices or an IOMMU their
 * conformance cases report "not provable here", never a pass. liveMigration is `virsh migrate --live --p2p`
 * (migration.ts), proven between two libvirt daemons on one machine (testing/two-daemons.ts).
 */
export const LIBVIRT_CAPABILITIES: ReadonlyArray<Capability> = [
  "lifecycle",
  "gracefulShutdown",
  "events",
  "reattach",
  "memorySnapshot",
  "diskSnapshot",
  "diskBackup",
  "hotplugDisk",
  "hotplugNic",
  "usbPassthrough",
  "pciPassthrough",
  "iso",
  "vncConsole",
  "serialConsole",
  "guestAgent",
  "metrics",
  "liveMigration",
]

type Op<A = void> = Effect.Effect<A, DriverError>

/** The contract with every optional group, plus what only libvirt offers. */
export interface LibvirtDriver extends Driver {
  readonly disks: NonNullable<Driver["disks"]>
  readonly nics: NonNullable<Driver["nics"]>
  readonly media: NonNullable<Driver["media"]>
  readonly hostDevices: NonNullable<Driver["hostDevices"]>
  readonly snapshots: NonNullable<Driver["snapshots"]>
  readonly backups: NonNullable<Driver["backups"]>
  readonly quiesce: NonNullable<Driver["quiesce"]>
  readonly console: NonNullable<Driver["console"]> & { readonly vncWebSocket: (name: string) => Op<ConsoleEndpoint> }
  readonly guestAgent: NonNullable<Driver["guestAgent"]>
  readonly stats: NonNullable<Driver["stats"]>
  readonly migration: NonNullable<Driver["migration"]>
  /** The client the driver speaks through (guest probes and tests use it). */
  readonly client: LibvirtClient
  /** Where COM1's output of a domain is logged (by virtlogd, appended across starts). */
  readonly serialLogOf: (name: string) => string
}

export const isLibvirtDriver = (driver: Driver): driver is LibvirtDriver =>
  "client" in driver && "serialLogOf" in driver

/**
 * The libvirt driver over `virsh` (default qemu:///system, domains of type qemu). Fails when libvirtd does not
 * answer. The scope owns the event watcher; closing it leaves every domain as it is (libvirtd keeps them).
 */
export const makeLibvirtDriver = (
  options: LibvirtDriverOptions,
): Effect.Effect<LibvirtDriver, DriverError, Scope.Scope> =>
  Effect.gen(function* () {
    const resolved = resolveOptions(options)
    const setupError = (message: string) =>
      new DriverError({
        driver: resolved.name,
        operation: "connect",
        reason: new HypervisorFailure({ message, retryable: true }),
      })
    yield* Effect.tryPromise({
      try: () => mkdir(resolved.stateDir, { recursive: true, mode: 0o755 }),
      catch: (cause) => setupError(`cannot make ${resolved.stateDir}: ${String(cause)}`),
    })
    const commands = yield* makeHostCommands
    const client = yield* makeVirshClient({
      uri: resolved.uri,
      binary: resolved.virsh,
      timeoutMs: resolved.callTimeoutMs,
      commands,
      ...(resolved.pidDir === undefined ? {} : { pidDir: resolved.pidDir }),
    })
    const version = yield* client.version().pipe(Effect.mapError(toDriverError(resolved.name, "connect", "")))
    const ctx = makeContext(resolved, client, makeQemuImg(commands))
    const lifecycle = makeLifecycle(ctx)
    const devices = makeDevices(ctx, lifecycle)
    const consoles = makeConsoles(ctx, lifecycle)
    // learn which domains are ours before events arrive; then give the watcher time to subscribe
    yield* lifecycle.list()
    yield* Effect.sleep(resolved.eventSettleMs)

    const guestAgent = makeGuestAgent(ctx)
    const peerXml: PeerXml = (uri, name) =>
      runVirsh({ uri, binary: resolved.virsh, timeoutMs: resolved.callTimeoutMs }, commands, [
        "dumpxml",
        name,
        "--inactive",
      ])
    const migration = yield* makeMigration(ctx, lifecycle, peerXml, guestAgent.ping)

    const driver: LibvirtDriver = {
      name: resolved.name,
      version,
      capabilities: new Set(LIBVIRT_CAPABILITIES),
      define: lifecycle.define,
      undefine: lifecycle.undefine,
      start: lifecycle.start,
      shutdown: lifecycle.shutdown,
      reboot: lifecycle.reboot,
      inspect: lifecycle.inspect,
      list: lifecycle.list,
      events: driverEvents(ctx),
      volumes: makeVolumes(ctx),
      disks: devices.disks,
      nics: devices.nics,
      media: devices.media,
      hostDevices: devices.hostDevices,
      snapshots: makeSnapshots(ctx, lifecycle),
      backups: makeBackups(ctx, lifecycle),
      quiesce: makeQuiesce(ctx),
      console: consoles,
      guestAgent,
      stats: makeStats(ctx),
      client,
      serialLogOf: (name) => serialPaths(resolved, name).log,
      migration,
    }
    return driver
  })

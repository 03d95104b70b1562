import { Effect, Option, Scope } from "effect"
import type { Capability } from "../../core/driver/capabilities.ts"
import type { DriverFactory, DriverWithEveryGroup } from "../../core/driver/driver.ts"
import type { DriverError } from "../../core/driver/errors.ts"
import { makeBackups } from "./backups.ts"
import { makeConsoleServers } from "./consoles.ts"
import { makeDevices } from "./devices.ts"
import { makeEventHub } from "./events.ts"
import { type Faults, makeFaultInjector } from "./faults.ts"
import { makeGuest } from "./guest.ts"
import { makeHypervisor } from "./hypervisor.ts"
import { makeLifecycle } from "./lifecycle.ts"
import { makeMigration } from "./migration.ts"
import type { FakeOperation } from "./operations.ts"
import { makeQuiesce } from "./quiesce.ts"
import { makeSimulate, type Simulate } from "./simulate.ts"
import { makeSnapshots } from "./snapshots.ts"
import { makeVolumes } from "./volumes.ts"

export interface FakeDriverOptions {
  /** The driver's name in the registry; default "fake". */
  readonly name?: string | undefined
  /** Persist the domain table here after every change and load it at creation (a hypervisor outlives its agent). */
  readonly stateFile?: string | undefined
  /** How long a start (or the boot half of a graceful reboot) takes; default 10 ms. */
  readonly bootDelayMs?: number | undefined
  /** How long an obedient guest takes to power off after ACPI; default 20 ms. */
  readonly shutdownDelayMs?: number | undefined
  /** How long each of a live migration's five steps takes; default 10 ms. */
  readonly migrationStepMs?: number | undefined
}

/** The Driver contract with every optional group present, as the fake provides them all. */
export type FullDriver = DriverWithEveryGroup

export interface FakeDriver {
  readonly driver: FullDriver
  readonly faults: Faults
  readonly simulate: Simulate
}

/** Everything the contract names (passthrough as the spec's devices: the fake has no host devices to give). */
const implemented: ReadonlyArray<Capability> = [
  "usbPassthrough",
  "pciPassthrough",
  "lifecycle",
  "liveMigration",
  "gracefulShutdown",
  "events",
  "memorySnapshot",
  "diskSnapshot",
  "diskBackup",
  "hotplugDisk",
  "hotplugNic",
  "iso",
  "vncConsole",
  "serialConsole",
  "guestAgent",
  "metrics",
]

/**
 * The in-memory reference driver, with fault injection and a handle on the guest. Its only resources are the console
 * sockets of running domains: closed when a domain stops, and all of them when the caller's scope closes, if there is
 * one (without a scope they close with the domains or when the process exits). Fails only when `stateFile` exists but
 * cannot be read as a fake driver state.
 */
export const makeFakeDriver = (options: FakeDriverOptions = {}): Effect.Effect<FakeDriver, DriverError> =>
  Effect.gen(function* () {
    const name = options.name ?? "fake"
    const consoles = makeConsoleServers(name)
    const scope = yield* Effect.serviceOption(Scope.Scope)
    if (Option.isSome(scope)) yield* Scope.addFinalizer(scope.value, Effect.sync(consoles.closeAll))
    const hv = yield* makeHypervisor({
      driver: name,
      stateFile: options.stateFile,
      bootDelayMs: options.bootDelayMs ?? 10,
      shutdownDelayMs: options.shutdownDelayMs ?? 20,
      onChange: (domain, record) => {
        if (record === undefined || record.power === "stopped") consoles.close(domain)
      },
    })
    const hub = yield* makeEventHub
    const injector = makeFaultInjector(name)
    const guard =
      <Args extends ReadonlyArray<unknown>, A>(
        operation: FakeOperation,
        call: (...args: Args) => Effect.Effect<A, DriverError>,
      ) =>
      (...args: Args) =>
        injector.around(operation, call(...args))

    const lifecycle = makeLifecycle(hv)
    const { disks, nics, media, hostDevices } = makeDevices(hv)
    const snapshots = makeSnapshots(hv)
    const backups = makeBackups(hv)
    const quiesce = makeQuiesce(hv)
    const volumes = makeVolumes(hv)
    const { console, guestAgent, stats } = makeGuest(hv, consoles)
    const migration = yield* makeMigration(hv, options.migrationStepMs ?? 10)
    // Without a state file a new instance starts empty, so it cannot find domains an earlier one ran.
    const capabilities = new Set<Capability>(options.stateFile ? [...implemented, "reattach"] : implemented)

    const driver: FullDriver = {
      name,
      version: "0.1.0",
      capabilities,
      define: guard("define", lifecycle.define),
      undefine: guard("undefine", lifecycle.undefine),
      start: guard("start", lifecycle.start),
      shutdown: guard("shutdown", lifecycle.shutdown),
      reboot: guard("reboot", lifecycle.reboot),
      inspect: guard("inspect", lifecycle.inspect),
      list: guard("list", lifecycle.list),
      events: hub.events,
      volumes: { create: guard("volumes.create", volumes.create), remove: guard("volumes.remove", volumes.remove) },
      disks: { attach: guard("disks.attach", disks.attach), detach: guard("disks.detach", disks.detach) },
      nics: { attach: guard("nics.attach", nics.attach), detach: guard("nics.detach", nics.detach) },
      media: { insert: guard("media.insert", media.insert), eject: guard("media.eject", media.eject) },
      hostDevices: {
        attach: guard("hostDevices.attach", hostDevices.attach),
        detach: guard("hostDevices.detach", hostDevices.detach),
      },
      snapshots: {
        create: guard("snapshots.create", snapshots.create),
        revert: guard("snapshots.revert", snapshots.revert),
        remove: guard("snapshots.remove", snapshots.remove),
        list: guard("snapshots.list", snapshots.list),
      },
      backups: {
        full: guard("backups.full", backups.full),
        incremental: guard("backups.incremental", backups.incremental),
        dropChain: guard("backups.dropChain", backups.dropChain),
        restore: guard("backups.restore", backups.restore),
        settle: guard("backups.settle", backups.settle),
      },
      quiesce: { freeze: guard("quiesce.freeze", quiesce.freeze), thaw: guard("quiesce.thaw", quiesce.thaw) },
      console: { vnc: guard("console.vnc", console.vnc), serial: guard("console.serial", console.serial) },
      guestAgent: {
        ping: guard("guestAgent.ping", guestAgent.ping),
        setPassword: guard("guestAgent.setPassword", guestAgent.setPassword),
        setAuthorizedKeys: guard("guestAgent.setAuthorizedKeys", guestAgent.setAuthorizedKeys),
        fileSystems: guard("guestAgent.fileSystems", guestAgent.fileSystems),
      },
      stats: guard("stats", stats),
      migration: {
        prepareIncoming: guard("migration.prepareIncoming", migration.prepareIncoming),
        send: guard("migration.send", migration.send),
        progress: migration.progress,
        cancel: guard("migration.cancel", migration.cancel),
        finishIncoming: guard("migration.finishIncoming", migration.finishIncoming),
        abortIncoming: guard("migration.abortIncoming", migration.abortIncoming),
        release: guard("migration.release", migration.release),
        rollback: guard("migration.rollback", migration.rollback),
      },
    }
    return { driver, faults: injector.faults, simulate: makeSimulate(hv, hub) }
  })

/** The fake as a plain DriverFactory, for the conformance suite and the registry. */
export const fakeDriverFactory = (options: FakeDriverOptions = {}): DriverFactory =>
  makeFakeDriver(options).pipe(Effect.map((fake) => fake.driver))

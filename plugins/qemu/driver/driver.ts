import { Effect, PubSub, type Scope, Stream } from "effect"
import type { Capability } from "../../../core/driver/capabilities.ts"
import type { Driver, DriverEvent, DriverWithEveryGroup, MigrationProgress } from "../../../core/driver/driver.ts"
import type { DriverError } from "../../../core/driver/errors.ts"
import { makeHostCommands } from "../../host-commands/host-commands.ts"
import { detectAccelerator } from "../argv/accel.ts"
import { argvFor } from "../argv/build-argv.ts"
import type { QgaAgent } from "../qga/agent.ts"
import type { QmpMonitor } from "../qmp/monitor.ts"
import { makeBackups } from "./backups.ts"
import { makeChainStore } from "./chains.ts"
import { makeDefinitionStore } from "./definitions.ts"
import { makeDevices } from "./devices.ts"
import { makeDomains } from "./domains.ts"
import { makeErrors } from "./errors.ts"
import { makeConsole, makeGuestAgent, withGuestAgent } from "./guest.ts"
import { makeQemuImg } from "./image.ts"
import { makeLifecycle } from "./lifecycle.ts"
import { makeMigrationSource } from "./migration-source.ts"
import { makeMigrationTarget } from "./migration-target.ts"
import { type QemuDriverOptions, resolveSettings } from "./options.ts"
import { makePower } from "./power.ts"
import { makeQuiesce } from "./quiesce.ts"
import { reattachAll } from "./reattach.ts"
import { prepareRunRoot } from "./run-root.ts"
import type { SessionDeps } from "./session.ts"
import { makeSnapshots } from "./snapshots.ts"
import { makeStats } from "./stats.ts"
import { makeVolumes } from "./volumes.ts"

/**
 * What this driver does and has tested against real QEMU. Not declared: PCI/USB passthrough (the command line can express it, but no host here has a device to prove it
 * with). `guestAgent` also covers `quiesce` (fsfreeze through the agent).
 */
export const QEMU_CAPABILITIES: ReadonlyArray<Capability> = [
  "lifecycle",
  "gracefulShutdown",
  "events",
  "reattach",
  "liveMigration",
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
]

/** The Driver contract with every group this driver offers, plus what a guest probe or a test needs besides. */
export type QemuDriver = DriverWithEveryGroup & {
  /** Runs `use` with the domain's guest agent, under the domain's lock (e.g. to read a file in the guest). */
  readonly withGuestAgent: <A, E>(
    name: string,
    use: (agent: QgaAgent) => Effect.Effect<A, E>,
  ) => Effect.Effect<A, E | DriverError>
  /**
   * Runs `use` with the running domain's QMP monitor, under the domain's lock: raw QMP on the very QEMU the driver
   * runs (diagnostics, and benchmarks that compare the driver with the bare commands). The monitor stays the driver's.
   */
  readonly withMonitor: <A, E>(
    name: string,
    use: (monitor: QmpMonitor) => Effect.Effect<A, E>,
  ) => Effect.Effect<A, E | DriverError>
  /** The domain's run folder: QMP/QGA/console sockets, `serial.log`, `qemu.log`, `qemu.pid`. */
  readonly runDirOf: (name: string) => string
  /** The exact command a start runs now (for diagnostics, and to compare with QEMU started by hand). */
  readonly commandLine: (
    name: string,
  ) => Effect.Effect<{ readonly binary: string; readonly args: ReadonlyArray<string> }, DriverError>
}

export const isQemuDriver = (driver: Driver): driver is QemuDriver =>
  "withGuestAgent" in driver && typeof (driver as QemuDriver).withGuestAgent === "function"

/**
 * The QEMU driver (a DriverFactory). QEMU runs detached from the agent; the scope owns the QMP and guest-agent
 * connections and the watchers, never the VMs: closing it leaves every VM running, and a new instance on the same
 * `stateDir` finds them again.
 */
export const makeQemuDriver = (options: QemuDriverOptions): Effect.Effect<QemuDriver, DriverError, Scope.Scope> =>
  Effect.gen(function* () {
    const binary = options.qemuBinary ?? "qemu-system-x86_64"
    const accel = options.accel ?? (yield* detectAccelerator({ binary }))
    const errors = makeErrors(options.name ?? "qemu")
    const prepared = yield* Effect.try({
      try: () => prepareRunRoot(options.stateDir, options.runDir),
      catch: (cause) => errors.failure("create", `cannot make the run folder: ${String(cause)}`, false),
    })
    if ("refused" in prepared) {
      return yield* errors.invalid("create", `refusing the run folder for VM sockets: ${prepared.refused}`)
    }
    const settings = resolveSettings({ ...options, runDir: prepared.root }, accel)

    const commands = yield* makeHostCommands
    const store = makeDefinitionStore(settings.definitionsDir, errors)
    const domains = makeDomains(settings, errors, store, yield* store.loadAll)
    const hub = yield* PubSub.unbounded<DriverEvent>()
    yield* Effect.addFinalizer(() => PubSub.shutdown(hub))
    const sessionDeps: SessionDeps = {
      settings,
      errors,
      commands,
      driverScope: yield* Effect.scope,
      publish: (event) => void PubSub.publishUnsafe(hub, event),
      onGone: (session) => {
        const domain = domains.find(session.name)
        if (domain?.session === session) domain.session = undefined
      },
    }
    yield* reattachAll(domains, sessionDeps)

    const qemuImg = makeQemuImg(settings.qemuImg, errors, commands)
    const lifecycle = makeLifecycle(domains)
    const power = makePower(domains, sessionDeps)
    const devices = makeDevices(domains)
    const runWithAgent = withGuestAgent(domains)
    const progressHub = yield* PubSub.unbounded<MigrationProgress>()
    yield* Effect.addFinalizer(() => PubSub.shutdown(progressHub))
    const migrationSource = makeMigrationSource(domains, (sample) => void PubSub.publishUnsafe(progressHub, sample))
    const migrationTarget = makeMigrationTarget(domains, sessionDeps, lifecycle.define)

    const driver: QemuDriver = {
      name: settings.name,
      version: "0.1.0",
      capabilities: new Set(QEMU_CAPABILITIES),
      ...lifecycle,
      ...power,
      events: Stream.fromPubSub(hub),
      volumes: makeVolumes(domains, qemuImg),
      ...devices,
      snapshots: makeSnapshots(domains, qemuImg),
      backups: makeBackups(domains, qemuImg, makeChainStore(settings.chainsFile, errors), commands),
      quiesce: makeQuiesce(domains),
      console: makeConsole(domains),
      guestAgent: makeGuestAgent(domains),
      stats: makeStats(domains),
      migration: { ...migrationSource, ...migrationTarget, progress: Stream.fromPubSub(progressHub) },
      withGuestAgent: (name, use) => runWithAgent(name, use),
      withMonitor: (name, use) =>
        domains.exclusive(name)(
          domains.running("monitor", name).pipe(
            Effect.flatMap(({ session }) => session.monitor("monitor")),
            Effect.flatMap(use),
          ),
        ),
      runDirOf: (name) => settings.runtimeFor(name).runDir,
      commandLine: (name) =>
        domains.get("commandLine", name).pipe(
          Effect.flatMap((domain) => argvFor(domain.definition.spec, settings.runtimeFor(name), settings.name)),
          Effect.map((args) => ({ binary: settings.qemuBinary, args })),
        ),
    }
    return driver
  })

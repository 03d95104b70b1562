import { join } from "node:path"
import { Effect, type Scope } from "effect"
import type { Capability } from "../core/driver/capabilities.ts"
import type { Driver, DriverFactory, PowerState } from "../core/driver/driver.ts"
import type { DriverError, DriverErrorReason } from "../core/driver/errors.ts"
import type { VmSpec } from "../core/driver/spec.ts"
import type { GuestProbe, ProbeOp, ResolvedConfig } from "./config.ts"
import type { EventLog } from "./event-log.ts"
import { CaseFailure, describeError, fail } from "./failure.ts"
import type { SharedGuest } from "./shared-guest.ts"
import { testVmSpec } from "./spec.ts"
import type { ResourceTracker } from "./tracker.ts"
import { waitUntil } from "./wait.ts"

export interface TestVm {
  readonly name: string
  readonly spec: VmSpec
}

export interface VmOptions {
  /** Start it and wait until the guest is ready; default false. */
  readonly start?: boolean
  /** The instance to define it with; default the run's driver. */
  readonly driver?: Driver
  /** An existing volume (e.g. a restored backup) to boot from instead of a new overlay of the system image. */
  readonly systemDisk?: string
  /**
   * The run's shared guest (running and ready) instead of a new one; the other options do not apply. The case must
   * give it back as it found it: running, its guest answering, with the disks it had (see `shared-guest.ts`).
   */
  readonly shared?: boolean
  /**
   * With `start`: the run's shared guest if one is running, taken over for good (see `SharedGuest.adopt`: the case may
   * move it away, and it is removed at the case's end like a new one), else a new one. A boot saved. With `driver` or
   * `systemDisk` there is nothing to adopt: the guest is a new one.
   */
  readonly adoptShared?: boolean
}

type ReasonTag = DriverErrorReason["_tag"]
type Group = "disks" | "nics" | "media" | "hostDevices" | "snapshots" | "backups" | "console" | "guestAgent" | "stats"

/** What a case works with: the driver, the config, the run's tracker and event log, and steps that name failures. */
export interface CaseContext {
  readonly driver: Driver
  /** Builds further instances (re-attach); each lives in the scope it is built in. */
  readonly factory: DriverFactory
  readonly config: ResolvedConfig
  readonly tracker: ResourceTracker
  readonly events: EventLog
  readonly has: (capability: Capability) => boolean
  /** The optional group of the contract a declared capability needs; its absence fails the case. */
  readonly group: <K extends Group>(key: K) => Effect.Effect<NonNullable<Driver[K]>, CaseFailure>
  /** A driver call under the operation timeout; a failure is reported as "<label>: <error>". */
  readonly step: <A, R = never>(
    label: string,
    effect: Effect.Effect<A, DriverError, R>,
    timeoutMs?: number,
  ) => Effect.Effect<A, CaseFailure, R>
  /** The call must fail with a DriverError whose reason is one of `reasons`. */
  readonly refuses: <A>(
    label: string,
    effect: Effect.Effect<A, DriverError>,
    reasons: ReadonlyArray<ReasonTag>,
  ) => Effect.Effect<DriverError, CaseFailure>
  /** A call of the guest probe, under the boot timeout. */
  readonly guest: <A>(
    label: string,
    call: (probe: GuestProbe, driver: Driver) => ProbeOp<A>,
    driver?: Driver,
  ) => Effect.Effect<A, CaseFailure>
  /** A test VM for the case: defined (and started, if asked); stopped and removed when the case ends. */
  readonly vm: (options?: VmOptions) => Effect.Effect<TestVm, CaseFailure, Scope.Scope>
  /** Like `vm`, but the caller removes it (`removeVm`), e.g. with another driver instance. */
  readonly createVm: (driver: Driver, systemDisk?: string) => Effect.Effect<TestVm, CaseFailure>
  /** Best effort: force stop, undefine, delete its system disk. Never fails. */
  readonly removeVm: (driver: Driver, vm: TestVm) => Effect.Effect<void>
  /** Starts the domain, records its process, and waits until its guest is ready. */
  readonly start: (name: string, driver?: Driver) => Effect.Effect<void, CaseFailure>
  /** Starts the domain and records its process, without waiting for its guest: for a case that never uses it. */
  readonly powerOn: (name: string, driver?: Driver) => Effect.Effect<void, CaseFailure>
  /** Waits until the guest probe's `ready` succeeds. */
  readonly ready: (name: string, driver?: Driver) => Effect.Effect<void, CaseFailure>
  readonly power: (name: string, driver?: Driver) => Effect.Effect<PowerState, CaseFailure>
  /** Polls `inspect` until the domain has `power`, for changes the guest makes on its own. */
  readonly awaitPower: (name: string, power: PowerState, driver?: Driver) => Effect.Effect<void, CaseFailure>
}

const groupCapabilities: Record<Group, string> = {
  disks: "hotplugDisk",
  nics: "hotplugNic",
  media: "iso",
  hostDevices: "usbPassthrough or pciPassthrough",
  snapshots: "memorySnapshot or diskSnapshot",
  backups: "diskBackup",
  console: "vncConsole or serialConsole",
  guestAgent: "guestAgent",
  stats: "metrics",
}

export interface ContextDeps {
  readonly driver: Driver
  readonly factory: DriverFactory
  readonly config: ResolvedConfig
  readonly tracker: ResourceTracker
  readonly events: EventLog
  /** The run's shared guest; without it `vm({ shared: true })` fails. */
  readonly shared?: SharedGuest
}

export const makeCaseContext = (deps: ContextDeps): CaseContext => {
  const { config, tracker } = deps
  const timeouts = config.timeouts
  const has = (capability: Capability) => deps.driver.capabilities.has(capability)

  const step = <A, R = never>(
    label: string,
    effect: Effect.Effect<A, DriverError, R>,
    timeoutMs = timeouts.operationMs,
  ) =>
    effect.pipe(
      Effect.mapError((error) => new CaseFailure({ message: `${label}: ${error.message}` })),
      Effect.timeoutOrElse({
        duration: timeoutMs,
        orElse: () => fail(`${label}: no answer within ${timeoutMs} ms`),
      }),
    )

  const refuses = <A>(label: string, effect: Effect.Effect<A, DriverError>, reasons: ReadonlyArray<ReasonTag>) =>
    effect.pipe(
      Effect.matchEffect({
        onSuccess: () => fail(`${label}: succeeded, but should fail with ${reasons.join(" or ")}`),
        onFailure: (error) =>
          reasons.includes(error.reason._tag)
            ? Effect.succeed(error)
            : fail(`${label}: should fail with ${reasons.join(" or ")}, failed with ${error.message}`),
      }),
      Effect.timeoutOrElse({
        duration: timeouts.operationMs,
        orElse: () => fail(`${label}: no answer within ${timeouts.operationMs} ms`),
      }),
    )

  const guest = <A>(label: string, call: (probe: GuestProbe, driver: Driver) => ProbeOp<A>, driver = deps.driver) =>
    Effect.suspend(() => call(config.guest, driver)).pipe(
      Effect.mapError((error) => new CaseFailure({ message: `guest probe, ${label}: ${describeError(error)}` })),
      Effect.timeoutOrElse({
        duration: timeouts.bootMs,
        orElse: () => fail(`guest probe, ${label}: no answer within ${timeouts.bootMs} ms`),
      }),
    )

  const power = (name: string, driver = deps.driver) =>
    step(`inspect ${name}`, driver.inspect(name)).pipe(Effect.map((info) => info.power))

  const ready = (name: string, driver = deps.driver) =>
    waitUntil(
      `${name}'s guest to be ready`,
      Effect.suspend(() => config.guest.ready(driver, name)),
      { timeoutMs: timeouts.bootMs, pollMs: timeouts.pollMs },
    )

  const powerOn = (name: string, driver = deps.driver) =>
    Effect.gen(function* () {
      yield* step(`start ${name}`, driver.start(name))
      const info = yield* step(`inspect ${name}`, driver.inspect(name))
      if (info.power !== "running") return yield* fail(`after start, ${name} is ${info.power}, not running`)
      if (info.pid !== undefined) tracker.process(name, info.pid)
    })

  const start = (name: string, driver = deps.driver) => powerOn(name, driver).pipe(Effect.andThen(ready(name, driver)))

  const createVm = (driver: Driver, existingDisk?: string) =>
    Effect.gen(function* () {
      const name = tracker.nextName()
      const systemDisk = existingDisk ?? join(tracker.runDir, `${name}-system.qcow2`)
      tracker.volume(systemDisk)
      const image = config.systemImage
      if (existingDisk === undefined)
        yield* step(
          "create the system disk",
          driver.volumes.create({
            path: systemDisk,
            format: "qcow2",
            sizeGiB: config.systemDiskGiB,
            ...(image ? { backingPath: image.path, backingFormat: image.format } : {}),
          }),
        )
      const spec = testVmSpec(config, name, systemDisk, has)
      tracker.domain(name)
      yield* step(`define ${name}`, driver.define(spec))
      return { name, spec }
    })

  const removeVm = (driver: Driver, vm: TestVm) =>
    Effect.gen(function* () {
      yield* Effect.ignore(driver.shutdown(vm.name, { force: true, timeoutMs: 0 }))
      yield* Effect.ignore(driver.undefine(vm.name))
      for (const disk of vm.spec.disks) yield* Effect.ignore(driver.volumes.remove(disk.path))
    }).pipe(Effect.timeoutOrElse({ duration: timeouts.operationMs * 3, orElse: () => Effect.void }))

  return {
    ...deps,
    has,
    group: (key) => {
      const found = deps.driver[key]
      return found
        ? Effect.succeed(found as NonNullable<Driver[typeof key]>)
        : fail(`the driver declares ${groupCapabilities[key]} but has no driver.${key}`)
    },
    step,
    refuses,
    guest,
    vm: (options = {}) =>
      Effect.gen(function* () {
        if (options.shared)
          return yield* deps.shared === undefined ? fail("this context has no shared guest") : deps.shared.lease
        const driver = options.driver ?? deps.driver
        const adoptable = options.driver === undefined && options.systemDisk === undefined
        if (options.adoptShared && options.start && adoptable && deps.shared !== undefined) {
          const adopted = yield* deps.shared.adopt
          if (adopted !== undefined)
            return yield* Effect.acquireRelease(Effect.succeed(adopted), (made) => removeVm(driver, made))
        }
        const vm = yield* Effect.acquireRelease(createVm(driver, options.systemDisk), (made) => removeVm(driver, made))
        if (options.start) yield* start(vm.name, driver)
        return vm
      }),
    createVm,
    removeVm,
    start,
    powerOn,
    ready,
    power,
    awaitPower: (name, wanted, driver = deps.driver) =>
      waitUntil(
        `${name} to be ${wanted}`,
        power(name, driver).pipe(Effect.flatMap((now) => (now === wanted ? Effect.void : fail(`it is ${now}`)))),
        { timeoutMs: timeouts.guestChangeMs, pollMs: timeouts.pollMs },
      ),
  }
}

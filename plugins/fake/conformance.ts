/**
 * The fake as the conformance suite runs it: `node --import tsx conformance/cli.ts plugins/fake/conformance.ts`.
 * Its guest probe goes through `simulate`, found by the driver instance the suite hands over.
 */
import { createHash } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import type { GuestProbe } from "../../conformance/config.ts"
import type { ConformanceModule } from "../../conformance/module.ts"
import type { Driver, DriverFactory } from "../../core/driver/driver.ts"
import { type FakeDriver, type FakeDriverOptions, makeFakeDriver } from "./driver.ts"
import type { Simulate } from "./simulate.ts"

/** Paths under it live in the fake guest's RAM (`simulate.writeRam`); every other path is on its disk. */
const ramDir = "/run/hxc"

const simulators = new WeakMap<Driver, Simulate>()

const simulateOf = (driver: Driver) =>
  Effect.suspend(() => {
    const simulate = simulators.get(driver)
    return simulate
      ? Effect.succeed(simulate)
      : Effect.fail(new Error(`${driver.name} was not made by fakeConformance`))
  })

const inRam = (path: string) => path.startsWith(`${ramDir}/`)

/** What the fake's guest keeps of a password: a hash, as /etc/shadow would. */
const hashOf = (password: string) => createHash("sha256").update(password).digest("hex")

export const fakeGuestProbe: GuestProbe = {
  ramDir,
  diskDir: "/var/lib/hxc",
  ready: (driver, name) =>
    driver
      .inspect(name)
      .pipe(
        Effect.flatMap((info) =>
          info.power === "running" ? Effect.void : Effect.fail(new Error(`${name} is ${info.power}`)),
        ),
      ),
  write: (driver, name, path, content) =>
    Effect.flatMap(simulateOf(driver), (simulate) =>
      inRam(path) ? simulate.writeRam(name, path, content) : simulate.writeGuest(name, path, content),
    ),
  read: (driver, name, path) =>
    Effect.flatMap(simulateOf(driver), (simulate) =>
      inRam(path) ? simulate.readRam(name, path) : simulate.readGuest(name, path),
    ),
  powerOff: (driver, name) => Effect.flatMap(simulateOf(driver), (simulate) => simulate.guestPowerOff(name)),
  passwordFingerprint: (driver, name, user) =>
    Effect.flatMap(simulateOf(driver), (simulate) => simulate.credentials(name)).pipe(
      Effect.map((credentials) => {
        const password = credentials.passwords[user]
        return password === undefined ? undefined : hashOf(password)
      }),
    ),
  authorizedKeys: (driver, name, user) =>
    Effect.flatMap(simulateOf(driver), (simulate) => simulate.credentials(name)).pipe(
      Effect.map((credentials) => credentials.authorizedKeys[user] ?? []),
    ),
}

/**
 * A fake factory whose instances the probe can reach; with a `stateFile` the fake declares and passes `reattach`.
 * `wrap` hands the suite another driver in front of the fake (the suite's own tests make lying drivers with it).
 */
export const fakeConformanceFactory = (
  options: FakeDriverOptions = {},
  wrap: (fake: FakeDriver) => Driver = (fake) => fake.driver,
): DriverFactory =>
  makeFakeDriver({ bootDelayMs: 0, shutdownDelayMs: 0, ...options }).pipe(
    Effect.map((fake) => {
      const driver = wrap(fake)
      simulators.set(driver, fake.simulate)
      return driver
    }),
  )

/** The fake with a state file in `dir` (so instances share their domains), and a config for its make-believe guest. */
export const fakeConformance = (dir: string, options: FakeDriverOptions = {}): ConformanceModule => ({
  factory: fakeConformanceFactory({ stateFile: join(dir, "fake-state.json"), ...options }),
  config: {
    workDir: dir,
    boot: { kind: "disk" },
    systemImage: { path: "/var/lib/hyperx/images/fake-base.qcow2", format: "qcow2" },
    guest: fakeGuestProbe,
    serialPattern: /hyperx-fake: \S+ booted/,
    // A second fake host (its own domain table) for the migration cases.
    migrationTarget: fakeConformanceFactory({ stateFile: join(dir, "fake-target-state.json"), ...options }),
    // Nothing in the fake takes long; a hang shows within seconds instead of minutes.
    timeouts: { operationMs: 5_000, bootMs: 5_000, guestChangeMs: 5_000, consoleMs: 2_000, caseMs: 30_000, pollMs: 5 },
  },
})

export default (): ConformanceModule => {
  const dir = mkdtempSync(join(tmpdir(), "hxc-fake-"))
  return { ...fakeConformance(dir), dispose: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * Test support for the QEMU driver: a throwaway state folder, the tiny guest as a VmSpec, the serial log, the event
 * stream, and a cleanup that kills every QEMU the tests left (the driver never does: its VMs outlive it).
 */
import { randomUUID } from "node:crypto"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { Effect, Exit, Scope, Stream } from "effect"
import type { DriverEvent } from "../../../core/driver/driver.ts"
import type { VmSpec } from "../../../core/driver/spec.ts"
import { buildGuest } from "../guest/build.ts"
import type { GuestManifest } from "../guest/manifest.ts"
import { makeQemuDriver, type QemuDriver } from "./driver.ts"
import { defaultRunRoot, type QemuDriverOptions } from "./options.ts"
import { readPidfile, signalProcess } from "./process.ts"

export const qemuInstalled = () => existsSync("/usr/bin/qemu-system-x86_64") && existsSync("/usr/bin/qemu-img")

/** One state folder (and its run folder) per test file; `cleanup` kills what runs there and removes both. */
export interface TestHost {
  readonly stateDir: string
  readonly runRoot: string
  readonly diskDir: string
  readonly manifest: GuestManifest
  readonly cleanup: () => void
}

export const makeTestHost = async (): Promise<TestHost> => {
  const manifest = await Effect.runPromise(buildGuest())
  const stateDir = mkdtempSync("/tmp/hx-test-")
  const runRoot = defaultRunRoot(stateDir)
  return {
    stateDir,
    runRoot,
    diskDir: join(stateDir, "disks"),
    manifest,
    cleanup: () => {
      killAll(runRoot)
      rmSync(runRoot, { recursive: true, force: true })
      rmSync(stateDir, { recursive: true, force: true })
    },
  }
}

/** SIGKILLs every QEMU whose pidfile is in a run folder below `runRoot`. */
export const killAll = (runRoot: string) => {
  if (!existsSync(runRoot)) return
  for (const name of readdirSync(runRoot)) {
    const pid = readPidfile(join(runRoot, name, "qemu.pid"))
    if (pid !== undefined) signalProcess(pid, "SIGKILL")
  }
}

/** A driver instance living in its own scope, so a test can drop it (as an agent restart would) and make another. */
export interface ScopedDriver {
  readonly driver: QemuDriver
  /** Everything the event stream said since this instance was made. */
  readonly events: Array<DriverEvent>
  readonly run: <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Promise<A>
  readonly close: () => Promise<void>
}

export const openDriver = async (host: TestHost, options: Partial<QemuDriverOptions> = {}): Promise<ScopedDriver> => {
  const scope = Scope.makeUnsafe()
  const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) =>
    Effect.runPromise(Effect.provideService(effect, Scope.Scope, scope))
  const driver = await run(
    makeQemuDriver({ stateDir: host.stateDir, accel: "tcg", qmpTimeouts: { scale: 4 }, ...options }),
  )
  const events: Array<DriverEvent> = []
  await run(Effect.forkScoped(Stream.runForEach(driver.events, (event) => Effect.sync(() => events.push(event)))))
  return { driver, events, run, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/** The tiny test guest: kernel boot, 128 MiB, its system disk an overlay in `diskDir`, every console and the agent. */
export const guestSpec = (host: TestHost, name: string, overrides: Partial<VmSpec> = {}): VmSpec => ({
  name,
  uuid: randomUUID(),
  cpus: 1,
  sockets: 1,
  coresPerSocket: 1,
  memoryMiB: 128,
  boot: { kind: "kernel", kernel: host.manifest.kernel, initrd: host.manifest.initrd, cmdline: host.manifest.cmdline },
  disks: [
    {
      id: "sys",
      role: "system",
      path: join(host.diskDir, `${name}-sys.qcow2`),
      format: "qcow2",
      bus: "virtio",
      readonly: false,
    },
  ],
  cdrom: null,
  nics: [{ id: "nic0", mac: "52:54:00:00:10:01", backing: { kind: "user", hostForwards: [] } }],
  devices: [],
  vnc: true,
  serial: true,
  guestAgent: true,
  ...overrides,
})

/** Creates the system disk overlay and defines the domain. */
export const defineGuest = (driver: QemuDriver, host: TestHost, spec: VmSpec) =>
  Effect.gen(function* () {
    const system = spec.disks.find((disk) => disk.role === "system")
    if (system) {
      yield* driver.volumes.create({
        path: system.path,
        format: "qcow2",
        sizeGiB: 1,
        backingPath: host.manifest.systemDisk,
        backingFormat: "qcow2",
      })
    }
    yield* driver.define(spec)
  })

export const serialLog = (driver: QemuDriver, name: string) => {
  const path = join(driver.runDirOf(name), "serial.log")
  return existsSync(path) ? readFileSync(path, "utf8") : ""
}

/** Waits until `predicate` holds, polling every 50 ms; fails with `what` after `timeoutMs`. */
export const waitUntil = async (what: string, predicate: () => boolean, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** Waits for the n-th boot line in the serial log of the current run (n counts from 1). */
export const waitForBoot = (driver: QemuDriver, name: string, n = 1) =>
  waitUntil(`${name} to boot (${n})`, () => serialLog(driver, name).split("hyperx-guest: booted").length > n)

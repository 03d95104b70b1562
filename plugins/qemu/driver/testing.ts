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
import { buildGuest, type GuestBuildOptions } from "../guest/build.ts"
import type { GuestManifest } from "../guest/manifest.ts"
import { runInGuest } from "../qga/commands/exec.ts"
import { readGuestFile, writeGuestFile } from "../qga/commands/files.ts"
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

/** `guest` picks a guest variant (USB_GUEST for the USB tests); every other test takes the default cloud-kernel guest. */
export const makeTestHost = async (guest: GuestBuildOptions = {}): Promise<TestHost> => {
  const manifest = await Effect.runPromise(buildGuest(guest))
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

/** Runs a shell script in the guest through its agent and returns its output; a non-zero exit fails. */
export const guestShell = (driver: QemuDriver, name: string, script: string, ...args: ReadonlyArray<string>) =>
  driver.withGuestAgent(name, (agent) =>
    runInGuest(agent, { path: "/bin/sh", args: ["-c", script, "sh", ...args] }).pipe(
      Effect.flatMap((result) =>
        result.exitCode === 0
          ? Effect.succeed(result.stdout.toString())
          : Effect.fail(new Error(`${script}: exit ${result.exitCode}: ${result.stderr.toString().trim()}`)),
      ),
    ),
  )

/** Writes a file in the guest and syncs it to disk. */
export const writeInGuest = (driver: QemuDriver, name: string, path: string, data: string | Uint8Array) =>
  driver
    .withGuestAgent(name, (agent) => writeGuestFile(agent, path, data))
    .pipe(Effect.andThen(guestShell(driver, name, "sync")), Effect.asVoid)

export const readInGuest = (driver: QemuDriver, name: string, path: string) =>
  driver.withGuestAgent(name, (agent) => readGuestFile(agent, path))

/**
 * Mounts the disk whose serial is `serial` (a hot-plugged one: the guest mounts only the disks it boots with) on
 * `mountpoint`, once the guest has seen it (up to 30 s). The argv builder gives each disk its id, or a hash of a long id, as serial (argv/names.ts).
 */
export const mountDiskBySerial = (driver: QemuDriver, name: string, serial: string, mountpoint: string) =>
  guestShell(
    driver,
    name,
    `i=0; while [ -z "$dev" ] && [ $i -lt 300 ]; do
       for d in /sys/block/vd*; do [ "$(cat $d/serial 2>/dev/null)" = "$1" ] && dev=/dev/\${d##*/}; done
       [ -n "$dev" ] || { i=$((i + 1)); sleep 0.1; }
     done
     [ -n "$dev" ] || { echo "no disk with serial $1" >&2; exit 1; }
     mkdir -p "$2" && mount "$dev" "$2"`,
    serial,
    mountpoint,
  )

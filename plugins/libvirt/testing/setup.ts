/**
 * Test-only set-up for suites that boot guests under libvirt: whether libvirtd answers (skip, or fail in CI when
 * HYPERX_REQUIRE_LIBVIRT=1), a private copy of the tiny test guest (libvirt hands every file a domain opens to
 * QEMU's user: copies keep the shared guest cache untouched), and a driver instance living in its own scope.
 */
import { spawnSync } from "node:child_process"
import { randomBytes, randomUUID } from "node:crypto"
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import type { Driver } from "../../../core/driver/driver.ts"
import type { DiskSpec, VmSpec } from "../../../core/driver/spec.ts"
import { buildGuest, type GuestBuildOptions } from "../../qemu/guest/build.ts"
import type { GuestManifest } from "../../qemu/guest/manifest.ts"
import { type LibvirtDriver, makeLibvirtDriver } from "../driver/driver.ts"
import type { LibvirtDriverOptions } from "../driver/options.ts"

export const LIBVIRT_URI = "qemu:///system"

/**
 * Why the libvirt suites cannot run here, or false when they can. With CI=true and HYPERX_REQUIRE_LIBVIRT=1 a missing
 * libvirt is an error instead of a skip, so CI cannot pass by skipping them.
 */
export const libvirtUnavailable = (): string | false => {
  const probe = spawnSync("virsh", ["-c", LIBVIRT_URI, "version"], { encoding: "utf8", timeout: 15_000 })
  const reason =
    probe.error !== undefined
      ? `virsh cannot run (${probe.error.message}): install libvirt-clients and libvirt-daemon-system`
      : probe.status !== 0
        ? `libvirtd does not answer on ${LIBVIRT_URI} (${probe.stderr.trim().split("\n").at(-1) ?? ""}): start virtlogd -d; libvirtd -d`
        : false
  if (reason !== false && process.env.CI === "true" && process.env.HYPERX_REQUIRE_LIBVIRT === "1") {
    throw new Error(`HYPERX_REQUIRE_LIBVIRT=1: ${reason}`)
  }
  return reason
}

export interface TestGuest {
  readonly manifest: GuestManifest
  readonly kernel: string
  readonly initrd: string
  readonly baseImage: string
}

/**
 * A world-readable folder under /tmp (QEMU's user must pass through it) with a copy of the test guest (`variant`:
 * USB_GUEST for the USB tests; the cloud-kernel guest otherwise).
 */
export const prepareGuest = async (
  prefix: string,
  variant: GuestBuildOptions = {},
): Promise<{ readonly dir: string; readonly guest: TestGuest }> => {
  const manifest = await Effect.runPromise(buildGuest(variant))
  const dir = mkdtempSync(`/tmp/${prefix}`)
  mkdirSync(join(dir, "guest"), { recursive: true, mode: 0o755 })
  chmodSync(dir, 0o755)
  const copy = (from: string, name: string) => {
    const to = join(dir, "guest", name)
    copyFileSync(from, to)
    return to
  }
  return {
    dir,
    guest: {
      manifest,
      kernel: copy(manifest.kernel, "vmlinuz"),
      initrd: copy(manifest.initrd, "initrd.img"),
      baseImage: copy(manifest.systemDisk, "system.qcow2"),
    },
  }
}

/** A short random domain-name prefix for one test file, so leftovers of a run are easy to find. */
export const namePrefix = (tag: string) => `hxlt-${tag}-${randomBytes(2).toString("hex")}-`

export const systemDiskOf = (dir: string, name: string): DiskSpec => ({
  id: "system",
  role: "system",
  path: join(dir, `${name}-system.qcow2`),
  format: "qcow2",
  bus: "virtio",
  readonly: false,
})

/** The test VM: 1 vCPU, 128 MiB, the guest's kernel, an overlay system disk, a user-mode NIC, every console. */
export const testVmSpec = (dir: string, guest: TestGuest, name: string): VmSpec => ({
  name,
  uuid: randomUUID(),
  cpus: 1,
  sockets: 1,
  coresPerSocket: 1,
  memoryMiB: 128,
  boot: { kind: "kernel", kernel: guest.kernel, initrd: guest.initrd, cmdline: guest.manifest.cmdline },
  disks: [systemDiskOf(dir, name)],
  cdrom: null,
  nics: [
    {
      id: "nic0",
      mac: `52:54:00:${randomBytes(3).toString("hex").match(/../g)?.join(":")}`,
      backing: { kind: "user", hostForwards: [] },
    },
  ],
  devices: [],
  vnc: true,
  serial: true,
  guestAgent: true,
})

/** A driver instance in its own scope; `close` drops it (the domains keep running). */
export const openDriver = async (options: LibvirtDriverOptions) => {
  const scope = await Effect.runPromise(Scope.make())
  const driver = await Effect.runPromise(Scope.provide(scope)(makeLibvirtDriver(options)))
  return { driver, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/** Runs an effect of the driver as a promise (tests read better with await). */
export const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

/** Force-stops and undefines every domain whose name starts with `prefix`, and removes `dir`. Never fails. */
export const cleanUp = async (driver: LibvirtDriver | undefined, prefix: string, dir: string | undefined) => {
  if (driver !== undefined) {
    const listed = await run(driver.list()).catch(() => [])
    for (const domain of listed.filter((info) => info.name.startsWith(prefix))) {
      await run(driver.shutdown(domain.name, { force: true, timeoutMs: 0 })).catch(() => undefined)
      await run(driver.undefine(domain.name)).catch(() => undefined)
    }
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export const eventually = async <A>(what: string, check: () => Promise<A | undefined>, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** A test VM defined on a driver (libvirt's, or any other): its system disk an overlay on the guest's base image. */
export const defineTestVm = async (driver: Driver, dir: string, guest: TestGuest, name: string) => {
  const spec = testVmSpec(dir, guest, name)
  const system = spec.disks[0]
  if (system === undefined) throw new Error("a test VM has a system disk")
  await run(
    driver.volumes.create({
      path: system.path,
      format: "qcow2",
      sizeGiB: 1,
      backingPath: guest.baseImage,
      backingFormat: "qcow2",
    }),
  )
  await run(driver.define(spec))
  return spec
}

import { createHash } from "node:crypto"
import { existsSync } from "node:fs"
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Exit, Schema } from "effect"
import type { CpioEntry } from "./cpio.ts"
import { normaliseEntries } from "./cpio.ts"
import { GuestBuildError } from "./errors.ts"
import { runCommand } from "./exec.ts"
import { collectRoot, writeInitramfs } from "./initramfs.ts"
import { type GuestManifest, GuestManifestJson } from "./manifest.ts"
import { fetchPackage, lockPackages } from "./packages.ts"
import { GUEST_CMDLINE, GUEST_MIN_MEMORY_MIB, RECIPE_REVISION, SYSTEM_DISK_LABEL } from "./recipe.ts"
import { writeSystemDisk } from "./system-disk.ts"

export interface GuestBuildOptions {
  /** Default: env HYPERX_GUEST_CACHE, else `<project>/.cache/guest`. */
  readonly cacheDir?: string
  /** Debian metapackage naming the kernel; default linux-image-cloud-amd64. */
  readonly kernelMetapackage?: string
  readonly agentPackage?: string
  /** Kernel modules the guest loads besides WANTED_MODULES (see USB_GUEST); they change the build key. */
  readonly extraModules?: ReadonlyArray<string>
  /** The SSH server the guest runs on port 22 (dropbear: its binary is /usr/sbin/dropbear). */
  readonly sshPackage?: string
  readonly systemDiskMiB?: number
  /** busybox-static's binary on the host. */
  readonly busybox?: string
  /** Ask apt again which package versions to use (otherwise the versions of the first build are kept). */
  readonly refresh?: boolean
  readonly onProgress?: (line: string) => void
}

const projectRoot = fileURLToPath(new URL("../../../", import.meta.url))

export const defaultGuestCacheDir = () => process.env.HYPERX_GUEST_CACHE ?? join(projectRoot, ".cache", "guest")

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex")

/** One digest over several inputs; the separators keep ("ab", "c") and ("a", "bc") apart. */
const digestOf = (...parts: ReadonlyArray<string | Uint8Array>) => {
  const hash = createHash("sha256")
  for (const part of parts) hash.update(part).update("\0")
  return hash.digest("hex")
}

const fsError = (step: string) => (cause: unknown) => new GuestBuildError({ step, message: String(cause) })

const entryDigest = (entries: ReadonlyArray<CpioEntry>) => {
  const hash = createHash("sha256")
  for (const entry of normaliseEntries(entries)) {
    hash.update(`${entry.kind}\0${entry.path}\0`)
    if (entry.kind === "file") hash.update(`${entry.mode}\0`).update(entry.data)
    else if (entry.kind === "symlink") hash.update(entry.target)
    else if (entry.kind === "chardev") hash.update(`${entry.mode}:${entry.major}:${entry.minor}`)
    else hash.update(`${entry.mode}`)
    hash.update("\0")
  }
  return hash.digest("hex")
}

/** Debian's kernel package carries no modules.dep (its postinst runs depmod): make one inside the unpacked tree. */
const depmodTree = (busybox: string) => (tree: string) =>
  Effect.gen(function* () {
    const releases = yield* Effect.tryPromise({
      try: () => readdir(join(tree, "lib/modules")),
      catch: fsError("depmod"),
    })
    for (const release of releases) yield* runCommand("depmod", busybox, ["depmod", "-b", tree, release])
  })

/** The manifest of a finished build in `dir`, with paths pointing into `dir` wherever the cache now lives. */
const readBuild = (dir: string) =>
  Effect.promise(() => readFile(join(dir, "manifest.json"), "utf8").catch(() => undefined)).pipe(
    Effect.map((text) => {
      if (text === undefined) return undefined
      const decoded = Schema.decodeUnknownExit(GuestManifestJson)(text)
      return Exit.isSuccess(decoded) ? withPaths(decoded.value, dir) : undefined
    }),
  )

const withPaths = (manifest: GuestManifest, dir: string): GuestManifest => ({
  ...manifest,
  kernel: join(dir, "vmlinuz"),
  initrd: join(dir, "initrd.img"),
  systemDisk: join(dir, "system.qcow2"),
})

const hashFile = (path: string) =>
  Effect.tryPromise({ try: () => readFile(path), catch: fsError("hash") }).pipe(Effect.map((data) => sha256(data)))

/**
 * Builds (or finds in the cache) the tiny test guest: Debian's cloud kernel, a busybox initramfs with the
 * guest agent, and a qcow2 system disk. A second call with the same inputs only hashes them and returns.
 */
export const buildGuest = Effect.fn("buildGuest")(function* (
  options: GuestBuildOptions = {},
): Effect.fn.Return<GuestManifest, GuestBuildError> {
  const started = Date.now()
  const progress = options.onProgress ?? (() => {})
  const busybox = options.busybox ?? "/usr/bin/busybox"
  const systemDiskMiB = options.systemDiskMiB ?? 256
  const cacheDir = resolve(options.cacheDir ?? defaultGuestCacheDir())
  const selectors = {
    kernelMetapackage: options.kernelMetapackage ?? "linux-image-cloud-amd64",
    agentPackage: options.agentPackage ?? "qemu-guest-agent",
    sshPackage: options.sshPackage ?? "dropbear-bin",
  }
  yield* Effect.tryPromise({ try: () => mkdir(join(cacheDir, "builds"), { recursive: true }), catch: fsError("cache") })

  const lockFile = join(cacheDir, `lock-${sha256(JSON.stringify(selectors)).slice(0, 12)}.json`)
  const lock = yield* lockPackages(lockFile, selectors, options.refresh ?? false, progress)
  const kernelTree = yield* fetchPackage(cacheDir, lock.kernel, progress, depmodTree(busybox))
  const agentTree = yield* fetchPackage(cacheDir, lock.agent, progress)
  const sshTree = yield* fetchPackage(cacheDir, lock.ssh, progress)
  const root = yield* collectRoot({ kernelTree, agentTree, sshTree, busybox, extraModules: options.extraModules ?? [] })
  const kernel = yield* Effect.tryPromise({ try: () => readFile(root.vmlinuz), catch: fsError("kernel") })

  const hash = digestOf(
    `recipe ${RECIPE_REVISION}`,
    GUEST_CMDLINE,
    `system disk ${systemDiskMiB} MiB`,
    JSON.stringify(lock),
    kernel,
    entryDigest(root.entries),
  )
  const version = hash.slice(0, 16)
  const dir = join(cacheDir, "builds", version)
  const cached = yield* readBuild(dir)
  if (cached !== undefined) {
    progress(`guest: ${version} is up to date (${Date.now() - started} ms)`)
    return cached
  }

  progress(`guest: building ${version} (kernel ${root.kernelRelease}, ${root.modules.load.length} modules)`)
  if (root.modules.missing.length > 0) progress(`guest: not in this kernel: ${root.modules.missing.join(", ")}`)
  const work = yield* Effect.tryPromise({
    try: () => mkdtemp(join(cacheDir, "builds", ".build-")),
    catch: fsError("cache"),
  })
  const publish = Effect.gen(function* () {
    yield* Effect.tryPromise({ try: () => copyFile(root.vmlinuz, join(work, "vmlinuz")), catch: fsError("kernel") })
    progress("guest: writing initramfs")
    yield* writeInitramfs(root.entries, version, join(work, "initrd.img"))
    progress(`guest: writing ${systemDiskMiB} MiB system disk`)
    yield* writeSystemDisk(work, join(work, "system.qcow2"), systemDiskMiB, hash, version)
    const manifest: GuestManifest = withPaths(
      {
        version,
        hash,
        kernel: "",
        initrd: "",
        cmdline: GUEST_CMDLINE,
        systemDisk: "",
        systemDiskFormat: "qcow2",
        systemDiskLabel: SYSTEM_DISK_LABEL,
        kernelRelease: root.kernelRelease,
        minMemoryMiB: GUEST_MIN_MEMORY_MIB,
        packages: lock,
        modules: {
          loaded: root.modules.load.map((path) => path.split("/").pop() ?? path),
          builtin: root.modules.builtin,
          missing: root.modules.missing,
        },
        sha256: {
          kernel: sha256(kernel),
          initrd: yield* hashFile(join(work, "initrd.img")),
          systemDisk: yield* hashFile(join(work, "system.qcow2")),
        },
      },
      dir,
    )
    const text = `${JSON.stringify(manifest, null, 2)}\n`
    // mkdtemp made it private; QEMU may run as another user
    yield* Effect.tryPromise({
      try: () => writeFile(join(work, "manifest.json"), text).then(() => chmod(work, 0o755)),
      catch: fsError("cache"),
    })
    // a concurrent build of the same inputs may have won the rename: its result is identical
    yield* Effect.tryPromise({ try: () => rename(work, dir), catch: fsError("cache") }).pipe(
      Effect.catch((error) => (existsSync(join(dir, "manifest.json")) ? Effect.void : Effect.fail(error))),
    )
    progress(`guest: built ${version} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return manifest
  })
  return yield* publish.pipe(Effect.ensuring(Effect.promise(() => rm(work, { recursive: true, force: true }))))
})

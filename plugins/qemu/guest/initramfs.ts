import { existsSync } from "node:fs"
import { readdir, readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { Effect } from "effect"
import { type CpioEntry, newcArchive } from "./cpio.ts"
import { GuestBuildError } from "./errors.ts"
import { runCommand } from "./exec.ts"
import { type LoadPlan, parseModuleIndex, planModuleLoad } from "./modules.ts"
import { recipeFiles, WANTED_MODULES } from "./recipe.ts"

/** Fixed timestamp of every archive member, so equal inputs give equal bytes. */
const ARCHIVE_MTIME = 1_704_067_200

export interface RootInputs {
  readonly kernelTree: string
  readonly agentTree: string
  /** dropbear-bin unpacked: /usr/sbin/dropbear. */
  readonly sshTree: string
  readonly busybox: string
  /** Modules loaded besides WANTED_MODULES (a variant's own, e.g. USB_MODULES), after them. */
  readonly extraModules?: ReadonlyArray<string>
}

export interface RootContents {
  readonly kernelRelease: string
  readonly vmlinuz: string
  readonly entries: ReadonlyArray<CpioEntry>
  readonly modules: LoadPlan
}

const read = (step: string, path: string) =>
  Effect.tryPromise({
    try: () => readFile(path),
    catch: (cause) => new GuestBuildError({ step, message: `cannot read ${path}: ${String(cause)}` }),
  })

const file = (path: string, mode: number, data: Uint8Array): CpioEntry => ({ kind: "file", path, mode, data })
const stripSlash = (path: string) => path.replace(/^\/+/, "")

/** The one kernel release in an unpacked linux-image package (Debian 12 ships its modules under /lib/modules). */
const kernelReleaseOf = Effect.fnUntraced(function* (kernelTree: string) {
  const releases = yield* Effect.tryPromise({
    try: () => readdir(join(kernelTree, "lib/modules")),
    catch: (cause) => new GuestBuildError({ step: "kernel", message: `no lib/modules in ${kernelTree}: ${cause}` }),
  })
  const release = releases.find((name) => existsSync(join(kernelTree, "boot", `vmlinuz-${name}`)))
  if (release === undefined) {
    return yield* new GuestBuildError({ step: "kernel", message: `no vmlinuz matching lib/modules in ${kernelTree}` })
  }
  return release
})

/** Every busybox applet as a symlink to /bin/busybox (busybox-static has no chpasswd or shutdown: recipe adds them). */
const busyboxEntries = Effect.fnUntraced(function* (busybox: string) {
  const binary = yield* read("busybox", busybox)
  const applets = yield* runCommand("busybox", busybox, ["--list-full"])
  const links = applets
    .split("\n")
    .map((line) => line.trim())
    .filter((path) => path.length > 0 && path !== "bin/busybox")
    .map((path): CpioEntry => ({ kind: "symlink", path, target: "/bin/busybox" }))
  return [file("bin/busybox", 0o755, binary), ...links]
})

/**
 * A binary of an unpacked package and the shared libraries `ldd` says it needs (taken from the host: the same Debian
 * release; a library two binaries share is one entry).
 */
const binaryEntries = Effect.fnUntraced(function* (step: string, tree: string, path: string) {
  const binary = join(tree, path)
  const ldd = yield* runCommand(step, "ldd", [binary])
  if (ldd.includes("not found")) {
    return yield* new GuestBuildError({ step, message: `${path} needs libraries this host lacks:\n${ldd}` })
  }
  const libraries = [...ldd.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((match) => match[1] ?? "")
  const entries = [file(path, 0o755, yield* read(step, binary))]
  for (const library of libraries) entries.push(file(stripSlash(library), 0o755, yield* read(step, library)))
  return entries
})

const moduleEntries = Effect.fnUntraced(function* (kernelTree: string, release: string, wanted: ReadonlyArray<string>) {
  const base = join(kernelTree, "lib/modules", release)
  const dep = yield* read("modules", join(base, "modules.dep"))
  const builtin = yield* read("modules", join(base, "modules.builtin"))
  const plan = planModuleLoad(parseModuleIndex(dep.toString(), builtin.toString()), wanted)
  const entries: Array<CpioEntry> = []
  for (const path of plan.load) {
    entries.push(file(`lib/modules/${release}/${path}`, 0o644, yield* read("modules", join(base, path))))
  }
  const order = plan.load.map((path) => `${release}/${path}\n`).join("")
  entries.push(file("etc/hyperx/modules.load", 0o644, Buffer.from(order)))
  return { entries, plan }
})

const skeleton: ReadonlyArray<CpioEntry> = [
  ...["proc", "sys", "dev", "tmp", "run", "root", "home/hyperx", "mnt", "var/log"].map(
    (path): CpioEntry => ({ kind: "dir", path, mode: 0o755 }),
  ),
  { kind: "chardev", path: "dev/console", mode: 0o600, major: 5, minor: 1 },
  { kind: "symlink", path: "etc/mtab", target: "/proc/self/mounts" },
  { kind: "symlink", path: "var/run", target: "/run" },
]

/** Everything the initramfs holds except its version file; the build key is a digest of these entries. */
export const collectRoot = Effect.fn("collectRoot")(function* (inputs: RootInputs) {
  const kernelRelease = yield* kernelReleaseOf(inputs.kernelTree)
  const wanted = [...WANTED_MODULES, ...(inputs.extraModules ?? [])]
  const modules = yield* moduleEntries(inputs.kernelTree, kernelRelease, wanted)
  const recipe = recipeFiles.map((entry) => file(entry.path, entry.mode, Buffer.from(entry.text)))
  const entries = [
    ...skeleton,
    ...(yield* busyboxEntries(inputs.busybox)),
    ...(yield* binaryEntries("agent", inputs.agentTree, "usr/sbin/qemu-ga")),
    ...(yield* binaryEntries("ssh", inputs.sshTree, "usr/sbin/dropbear")),
    ...modules.entries,
    // last, so the stand-ins win over any applet of the same name
    ...recipe,
  ]
  return {
    kernelRelease,
    vmlinuz: join(inputs.kernelTree, "boot", `vmlinuz-${kernelRelease}`),
    entries,
    modules: modules.plan,
  } satisfies RootContents
})

/** Writes the gzip-compressed initramfs with `version` in /etc/hyperx/version. */
export const writeInitramfs = (entries: ReadonlyArray<CpioEntry>, version: string, target: string) =>
  Effect.tryPromise({
    try: () => {
      const archive = newcArchive(
        [...entries, file("etc/hyperx/version", 0o644, Buffer.from(`${version}\n`))],
        ARCHIVE_MTIME,
      )
      return writeFile(target, gzipSync(archive, { level: 6 }))
    },
    catch: (cause) => new GuestBuildError({ step: "initramfs", message: String(cause) }),
  })

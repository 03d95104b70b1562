import { existsSync } from "node:fs"
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Effect, Exit, Schema } from "effect"
import { GuestBuildError } from "./errors.ts"
import { runCommand } from "./exec.ts"

/** A Debian package pinned to one version. */
export const PackageRef = Schema.Struct({ name: Schema.String, version: Schema.String })
export type PackageRef = typeof PackageRef.Type

/** The versions a build uses, resolved once with apt and then reused (like a lockfile) until a refresh. */
export const PackageLock = Schema.Struct({ kernel: PackageRef, agent: PackageRef, ssh: PackageRef })
export type PackageLock = typeof PackageLock.Type

const aptHint = "(is the package list current? run `apt-get update`)"

const fsStep = (step: string) => (cause: unknown) => new GuestBuildError({ step, message: String(cause) })

/** The concrete kernel package a metapackage depends on, e.g. linux-image-cloud-amd64 → linux-image-6.1.0-56-…. */
const kernelPackageOf = Effect.fnUntraced(function* (metapackage: string) {
  const out = yield* runCommand("resolve", "apt-cache", ["depends", metapackage])
  const name = /Depends:\s*(linux-image-\S+)/.exec(out)?.[1]
  if (name === undefined) {
    return yield* new GuestBuildError({ step: "resolve", message: `${metapackage} names no kernel ${aptHint}` })
  }
  return name
})

const candidateVersions = Effect.fnUntraced(function* (names: ReadonlyArray<string>) {
  const out = yield* runCommand("resolve", "apt-cache", ["show", "--no-all-versions", ...names])
  const versions = new Map<string, string>()
  for (const stanza of out.split(/\n\s*\n/)) {
    const name = /^Package: (.+)$/m.exec(stanza)?.[1]
    const version = /^Version: (.+)$/m.exec(stanza)?.[1]
    if (name !== undefined && version !== undefined) versions.set(name, version)
  }
  return versions
})

/** The Debian packages a build takes besides the kernel: the guest agent and the SSH server. */
export interface PackageSelectors {
  readonly kernelMetapackage: string
  readonly agentPackage: string
  readonly sshPackage: string
}

/** Asks apt which kernel, guest-agent and SSH-server versions to use now. */
export const resolvePackages = Effect.fn("resolvePackages")(function* (selectors: PackageSelectors) {
  const kernel = yield* kernelPackageOf(selectors.kernelMetapackage)
  const versions = yield* candidateVersions([kernel, selectors.agentPackage, selectors.sshPackage])
  const ref = (name: string) => {
    const version = versions.get(name)
    return version === undefined
      ? Effect.fail(new GuestBuildError({ step: "resolve", message: `no candidate version for ${name} ${aptHint}` }))
      : Effect.succeed({ name, version })
  }
  return {
    kernel: yield* ref(kernel),
    agent: yield* ref(selectors.agentPackage),
    ssh: yield* ref(selectors.sshPackage),
  } satisfies PackageLock
})

/** Folder name for an extracted package: the epoch's colon is not welcome in paths. */
export const packageDirName = (ref: PackageRef) => `${ref.name}_${ref.version.replaceAll(":", "%3a")}`

/**
 * Downloads the package with `apt-get download` and unpacks it with `dpkg -x` under `<cacheDir>/pkgs` (never
 * installs it). `prepare` runs on the unpacked tree before it is published. A finished tree is reused as is.
 */
export const fetchPackage = Effect.fn("fetchPackage")(function* (
  cacheDir: string,
  ref: PackageRef,
  onProgress: (line: string) => void,
  prepare: (tree: string) => Effect.Effect<void, GuestBuildError> = () => Effect.void,
) {
  const tree = join(cacheDir, "pkgs", packageDirName(ref))
  if (existsSync(tree)) return tree
  yield* Effect.tryPromise({ try: () => mkdir(join(cacheDir, "pkgs"), { recursive: true }), catch: fsStep("download") })
  const work = yield* Effect.tryPromise({
    try: () => mkdtemp(join(cacheDir, "pkgs", ".fetch-")),
    catch: fsStep("download"),
  })
  const cleanup = Effect.promise(() => rm(work, { recursive: true, force: true }))
  const unpack = Effect.gen(function* () {
    onProgress(`guest: downloading ${ref.name} ${ref.version}`)
    yield* runCommand("download", "apt-get", ["download", `${ref.name}=${ref.version}`], { cwd: work })
    const files = yield* Effect.tryPromise({ try: () => readdir(work), catch: fsStep("download") })
    const deb = files.find((file) => file.endsWith(".deb"))
    if (deb === undefined) {
      return yield* new GuestBuildError({ step: "download", message: `apt-get download left no .deb for ${ref.name}` })
    }
    onProgress(`guest: unpacking ${deb}`)
    yield* runCommand("unpack", "dpkg", ["-x", join(work, deb), join(work, "tree")])
    yield* prepare(join(work, "tree"))
    yield* Effect.tryPromise({ try: () => rename(join(work, "tree"), tree), catch: fsStep("unpack") }).pipe(
      // another process published the same version first: theirs is as good as ours
      Effect.catch((error) => (existsSync(tree) ? Effect.void : Effect.fail(error))),
    )
    return tree
  })
  return yield* unpack.pipe(Effect.ensuring(cleanup))
})

/** Reads the lock for these package selectors, resolving with apt when there is none or `refresh` is set. */
export const lockPackages = Effect.fn("lockPackages")(function* (
  lockFile: string,
  selectors: PackageSelectors,
  refresh: boolean,
  onProgress: (line: string) => void,
) {
  if (!refresh && existsSync(lockFile)) {
    const text = yield* Effect.tryPromise({
      try: () => readFile(lockFile, "utf8"),
      catch: fsStep("resolve"),
    })
    const decoded = Schema.decodeUnknownExit(Schema.fromJsonString(PackageLock))(text)
    if (Exit.isSuccess(decoded)) return decoded.value
  }
  onProgress(`guest: resolving ${Object.values(selectors).join(", ")} with apt-cache`)
  const lock = yield* resolvePackages(selectors)
  const temp = `${lockFile}.${process.pid}.tmp`
  yield* Effect.tryPromise({
    try: async () => {
      await writeFile(temp, `${JSON.stringify(lock, null, 2)}\n`)
      await rename(temp, lockFile)
    },
    catch: fsStep("resolve"),
  })
  return lock
})

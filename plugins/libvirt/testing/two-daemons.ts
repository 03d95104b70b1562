/**
 * Test-only: an extra libvirtd on this machine with its own host UUID, so that libvirt migrates between it and
 * another one ("Attempt to migrate guest to the same host" compares host UUIDs). The method of two-daemons.sh: the
 * daemon runs in its own mount namespace with its own /run/libvirt, /var/lib/libvirt, /etc/libvirt (a copy, plus
 * host_uuid and unix_sock_dir), /var/log/libvirt and /var/cache/libvirt bound from a folder, its own virtlogd and
 * pid files, its socket outside the namespace's mounts (so any process, and the other daemon, reaches it). The
 * machine's libvirtd is neither stopped nor reconfigured nor asked anything. Needs root.
 *
 * Two extra daemons (twoLibvirtDaemons) run their QEMUs as root. Two daemons on one machine "share" storage in a
 * local folder, and after a migration the source's libvirtd gives a disk on a local file system back to its owner
 * (root), which it never does on a real shared file system (NFS, Ceph…). A target QEMU running as libvirt-qemu then
 * lost its disk whenever it opened it again after that: CI of 2db9160, pause-first's resume, "Could not open
 * …-system.qcow2: Permission denied". One extra daemon beside the machine's (the conformance run's target) keeps the
 * machine's user: two daemons labelling one disk for different users refuse ("Setting different DAC user").
 */
import { execFile, spawnSync } from "node:child_process"
import { randomUUID } from "node:crypto"
import { appendFile, cp, mkdir, readFile, rm } from "node:fs/promises"
import { join } from "node:path"
import { promisify } from "node:util"
import { Effect, Schedule, type Scope } from "effect"
import type { LibvirtDriverOptions } from "../driver/options.ts"

const exec = promisify(execFile)

export interface LibvirtDaemon {
  /** For clients (virsh, the driver's `uri`): the daemon's socket. */
  readonly uri: string
  /** For another libvirtd migrating peer to peer to this one (`qemu+unix`: the remote driver, never its own). */
  readonly peerUri: string
  /** Where this daemon writes `<domain>.pid` (the driver's `pidDir`). */
  readonly pidDir: string
  readonly hostUuid: string
}

/** Why an extra libvirtd cannot run here, or false. */
export const extraDaemonUnavailable = (): string | false => {
  if (process.getuid?.() !== 0) return "an extra libvirtd needs root (mount namespaces)"
  const probe = spawnSync("unshare", ["-m", "true"], { encoding: "utf8" })
  if (probe.status !== 0) return `unshare -m fails here: ${probe.stderr.trim()}`
  return false
}

const bound = ["run", "lib", "etc", "log", "cache"] as const
const mountPoint = {
  run: "/run/libvirt",
  lib: "/var/lib/libvirt",
  etc: "/etc/libvirt",
  log: "/var/log/libvirt",
  cache: "/var/cache/libvirt",
}

const virsh = (uri: string, ...args: ReadonlyArray<string>) =>
  Effect.tryPromise(() => exec("virsh", ["-q", "-c", uri, ...args], { timeout: 30_000 })).pipe(
    Effect.map((out) => out.stdout),
  )

const killFrom = (file: string) =>
  Effect.promise(async () => {
    const pid = Number.parseInt(await readFile(file, "utf8").catch(() => ""), 10)
    if (Number.isInteger(pid) && pid > 0) {
      try {
        process.kill(pid, "SIGTERM")
      } catch {
        // already gone
      }
    }
  })

/**
 * A libvirtd in `dir` (made; removed when the scope closes, after the daemon's domains are destroyed and it and
 * its virtlogd end). Ready when `virsh version` answers (about 10 s here).
 */
export const extraLibvirtDaemon = (
  dir: string,
  options: { readonly qemuAsRoot?: boolean } = {},
): Effect.Effect<LibvirtDaemon, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const hostUuid = randomUUID()
      const sock = join(dir, "sock")
      yield* Effect.tryPromise(async () => {
        for (const name of [...bound, "sock"]) await mkdir(join(dir, name), { recursive: true })
        await cp("/etc/libvirt", join(dir, "etc"), { recursive: true })
        await appendFile(join(dir, "etc", "libvirtd.conf"), `\nhost_uuid = "${hostUuid}"\nunix_sock_dir = "${sock}"\n`)
        if (options.qemuAsRoot === true)
          await appendFile(join(dir, "etc", "qemu.conf"), '\nuser = "root"\ngroup = "root"\n')
      })
      const mounts = bound.map((name) => `mount --bind ${join(dir, name)} ${mountPoint[name]}`).join(" && ")
      const daemons = `virtlogd -d --pid-file ${join(dir, "virtlogd.pid")} && libvirtd -d --pid-file ${join(dir, "libvirtd.pid")}`
      // both daemons fork away; the namespace lives as long as they do
      yield* Effect.tryPromise(() =>
        exec("unshare", ["-m", "--propagation", "private", "sh", "-c", `${mounts} && ${daemons}`], { timeout: 30_000 }),
      )
      const uri = `qemu:///system?socket=${join(sock, "libvirt-sock")}`
      yield* virsh(uri, "version").pipe(
        Effect.retry({ schedule: Schedule.spaced("500 millis"), times: 240 }),
        Effect.mapError((cause) => new Error(`the extra libvirtd in ${dir} does not answer: ${String(cause)}`)),
      )
      const daemon: LibvirtDaemon = {
        uri,
        peerUri: `qemu+unix:///system?socket=${join(sock, "libvirt-sock")}`,
        pidDir: join(dir, "run", "qemu"),
        hostUuid,
      }
      return daemon
    }),
    (daemon) =>
      Effect.gen(function* () {
        const names = yield* virsh(daemon.uri, "list", "--all", "--name").pipe(Effect.orElseSucceed(() => ""))
        for (const name of names.split("\n").filter((line) => line.trim() !== "")) {
          yield* Effect.ignore(virsh(daemon.uri, "destroy", name.trim()))
          yield* Effect.ignore(virsh(daemon.uri, "undefine", name.trim()))
        }
        yield* killFrom(join(dir, "libvirtd.pid"))
        yield* killFrom(join(dir, "virtlogd.pid"))
        yield* Effect.sleep("1 second")
        yield* Effect.promise(() => rm(dir, { recursive: true, force: true }))
      }),
  )

/** Two extra daemons side by side, in `dir`/d1 and `dir`/d2 (a migration's two hosts). */
export const twoLibvirtDaemons = (
  dir: string,
): Effect.Effect<readonly [LibvirtDaemon, LibvirtDaemon], Error, Scope.Scope> =>
  Effect.all(
    [
      extraLibvirtDaemon(join(dir, "d1"), { qemuAsRoot: true }),
      extraLibvirtDaemon(join(dir, "d2"), { qemuAsRoot: true }),
    ],
    { concurrency: 2 },
  )

/** The options of a libvirt driver on daemon `on` that migrates to daemon `peer`, its state in `stateDir`. */
export const peeredDriverOptions = (
  on: LibvirtDaemon,
  peer: LibvirtDaemon,
  stateDir: string,
): LibvirtDriverOptions => ({
  uri: on.uri,
  pidDir: on.pidDir,
  stateDir,
  tcgTbCacheMiB: 16,
  migrationPeerUri: () => peer.peerUri,
})

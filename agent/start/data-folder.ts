import { randomBytes, randomUUID } from "node:crypto"
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"

/** What an agent keeps in its data folder; everything the host needs to come back after a restart. */
export interface DataFolder {
  readonly root: string
  /** This host's id in the hosts table, made on the first start and kept. */
  readonly hostId: string
  /** AES-256 key for VM passwords at rest, made on the first start (0600). */
  readonly secretKey: Buffer
  /** VM disk files. */
  readonly storageDir: string
  /** The guest images this host boots VMs from. */
  readonly imagesDir: string
  /** The QEMU driver's domain definitions. */
  readonly qemuStateDir: string
  /** The fake driver's domain table (with --driver fake). */
  readonly fakeStateFile: string
  /** The embedded PostgreSQL's cluster, owned by the server's user, unless DATABASE_URL names a server. */
  readonly pgDir: string
  /** The embedded server's password for the `hyperx` role (0600). */
  readonly pgPasswordFile: string
  readonly pidFile: string
  /** What this start made owner-only that was not (an older agent's modes, or a folder made by hand). */
  readonly tightened: ReadonlyArray<string>
}

export class DataFolderError extends Error {
  override readonly name = "DataFolderError"
}

const readOrCreate = (path: string, make: () => string | Buffer): Buffer => {
  if (!existsSync(path)) writeFileSync(path, make(), { mode: 0o600, flag: "wx" })
  return readFileSync(path)
}

const uid = () => process.getuid?.() ?? 0

/** Owner only: drops every group and other bit of `path` (when it exists); says so when it changed anything. */
const tighten = (path: string, mode: number, tightened: Array<string>) => {
  if (!existsSync(path)) return
  const before = statSync(path).mode & 0o777
  if ((before & 0o077) === 0) return
  chmodSync(path, mode)
  tightened.push(`${path} ${before.toString(8).padStart(4, "0")} → ${mode.toString(8).padStart(4, "0")}`)
}

/**
 * Opens (and on the first start, makes) the data folder, private to the agent's user: a folder owned by another
 * user is refused; group and other bits of the folder and of everything the agent keeps in it are removed (an older
 * agent made some files world-readable). The embedded PostgreSQL's cluster folder `pg` belongs to the server's user
 * and is left to it.
 */
export const openDataFolder = (root: string): DataFolder => {
  mkdirSync(root, { recursive: true, mode: 0o700 })
  const stat = statSync(root)
  if (!stat.isDirectory()) throw new DataFolderError(`${root} is not a folder`)
  if (stat.uid !== uid()) {
    throw new DataFolderError(
      `${root} belongs to uid ${stat.uid}, and the agent runs as uid ${uid()}: a data folder holds the platform's ` +
        "secrets and must belong to the agent's user. Start the agent as its owner, or give it a folder of its own",
    )
  }
  const tightened: Array<string> = []
  // 0700, or 0710 (as root, the server's group passes through: see allowServerUser), before anything is read.
  const rootMode = stat.mode & 0o777
  if ((rootMode & 0o067) !== 0) {
    chmodSync(root, 0o700)
    tightened.push(`${root} ${rootMode.toString(8).padStart(4, "0")} → 0700`)
  }
  const folder: DataFolder = {
    root,
    hostId: readOrCreate(join(root, "host-id"), () => `${randomUUID()}\n`)
      .toString("utf8")
      .trim(),
    secretKey: readOrCreate(join(root, "secret.key"), () => randomBytes(32)),
    storageDir: join(root, "disks"),
    imagesDir: join(root, "images"),
    qemuStateDir: join(root, "qemu"),
    fakeStateFile: join(root, "fake-driver.json"),
    pgDir: join(root, "pg"),
    pgPasswordFile: join(root, "pg-password"),
    pidFile: join(root, "agent.pid"),
    tightened,
  }
  if (folder.secretKey.length !== 32) throw new DataFolderError(`${join(root, "secret.key")} must hold 32 bytes`)
  // backups/ too (next to disks/, where the drivers write backups): as root the server's group passes through the
  // data folder, and a backups folder made with the default 0755 let it read every VM's backups.
  for (const dir of [folder.storageDir, folder.imagesDir, folder.qemuStateDir, join(root, "backups")]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    tighten(dir, 0o700, tightened)
  }
  for (const file of [join(root, "host-id"), join(root, "secret.key"), folder.fakeStateFile, folder.pgPasswordFile]) {
    tighten(file, 0o600, tightened)
  }
  return folder
}

/**
 * As root, the embedded server runs as an unprivileged user that must reach its cluster folder `<data>/pg` and
 * nothing else: the data folder becomes root:<its group> 0710 (its group may pass through, not list or read), and
 * everything else in it stays owner-only.
 */
export const allowServerUser = (folder: DataFolder, gid: number) => {
  chownSync(folder.root, uid(), gid)
  chmodSync(folder.root, 0o710)
}

/**
 * For a hypervisor that opens the VMs' files as a user of its own (libvirt's QEMU runs as libvirt-qemu, #21): the
 * data folder and its disks and images folders let others pass through (0711), never list or read them. Each file
 * keeps its own mode (libvirt gives the running VM's files to its user itself); the secrets, the database and every
 * other folder stay owner-only. Undone at the next start with another driver (openDataFolder tightens them again).
 */
export const openToHypervisorUser = (folder: DataFolder) => {
  for (const dir of [folder.root, folder.storageDir, folder.imagesDir]) chmodSync(dir, 0o711)
}

const isAgentProcess = (pid: number) => {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  // A stale pid file may name a pid the system gave to something else since.
  const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, "utf8") : "node"
  return cmdline.includes("node")
}

/** The pid of the agent (or admin command) that holds this data folder now, if one does. */
export const runningAgentPid = (folder: DataFolder): number | undefined => {
  if (!existsSync(folder.pidFile)) return undefined
  const pid = Number(readFileSync(folder.pidFile, "utf8").trim())
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAgentProcess(pid) ? pid : undefined
}

/**
 * One agent per data folder (two would drive the same VMs and the same embedded server); an admin command that
 * starts the embedded server itself holds it too while it runs. Returns the release function.
 */
export const lockDataFolder = (folder: DataFolder): (() => void) => {
  const holder = runningAgentPid(folder)
  if (holder !== undefined) {
    throw new DataFolderError(`Another agent (pid ${holder}) uses ${folder.root}; stop it first`)
  }
  writeFileSync(folder.pidFile, `${process.pid}\n`, { mode: 0o600 })
  return () => {
    const current = existsSync(folder.pidFile) ? readFileSync(folder.pidFile, "utf8").trim() : ""
    if (current === String(process.pid)) rmSync(folder.pidFile, { force: true })
  }
}

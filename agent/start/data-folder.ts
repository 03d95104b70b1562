import { createHash, randomBytes, randomUUID } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
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
  /** The embedded PostgreSQL (PGlite), unless DATABASE_URL names a server. */
  readonly pgliteDir: string
  /** Where the running agent takes admin commands (`hyperx token create` while it runs); owner only. */
  readonly adminSocket: string
  readonly pidFile: string
}

export class DataFolderError extends Error {
  override readonly name = "DataFolderError"
}

const readOrCreate = (path: string, make: () => string | Buffer, mode: number): Buffer => {
  if (!existsSync(path)) writeFileSync(path, make(), { mode, flag: "wx" })
  return readFileSync(path)
}

/** Unix socket paths hold at most 107 bytes; a deep data folder gets its socket under /tmp instead. */
const adminSocketPath = (root: string) => {
  const inside = join(root, "admin.sock")
  if (Buffer.byteLength(inside) <= 100) return inside
  return join("/tmp", `hyperx-admin-${createHash("sha256").update(root).digest("hex").slice(0, 12)}.sock`)
}

/** Opens (and on the first start, makes) the data folder: private to its owner, with a host id and a secret key. */
export const openDataFolder = (root: string): DataFolder => {
  mkdirSync(root, { recursive: true, mode: 0o700 })
  if (!statSync(root).isDirectory()) throw new DataFolderError(`${root} is not a folder`)
  const folder: DataFolder = {
    root,
    hostId: readOrCreate(join(root, "host-id"), () => `${randomUUID()}\n`, 0o644)
      .toString("utf8")
      .trim(),
    secretKey: readOrCreate(join(root, "secret.key"), () => randomBytes(32), 0o600),
    storageDir: join(root, "disks"),
    imagesDir: join(root, "images"),
    qemuStateDir: join(root, "qemu"),
    fakeStateFile: join(root, "fake-driver.json"),
    pgliteDir: join(root, "pg"),
    adminSocket: adminSocketPath(root),
    pidFile: join(root, "agent.pid"),
  }
  if (folder.secretKey.length !== 32) throw new DataFolderError(`${join(root, "secret.key")} must hold 32 bytes`)
  chmodSync(join(root, "secret.key"), 0o600)
  for (const dir of [folder.storageDir, folder.imagesDir, folder.qemuStateDir]) mkdirSync(dir, { recursive: true })
  return folder
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

/** The pid of the agent that holds this data folder now, if one does. */
export const runningAgentPid = (folder: DataFolder): number | undefined => {
  if (!existsSync(folder.pidFile)) return undefined
  const pid = Number(readFileSync(folder.pidFile, "utf8").trim())
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAgentProcess(pid) ? pid : undefined
}

/**
 * One agent per data folder: PGlite is a single-process database, and two agents would drive the same VMs.
 * Returns the release function.
 */
export const lockDataFolder = (folder: DataFolder): (() => void) => {
  const holder = runningAgentPid(folder)
  if (holder !== undefined) {
    throw new DataFolderError(`Another agent (pid ${holder}) uses ${folder.root}; stop it first`)
  }
  writeFileSync(folder.pidFile, `${process.pid}\n`)
  return () => {
    const current = existsSync(folder.pidFile) ? readFileSync(folder.pidFile, "utf8").trim() : ""
    if (current === String(process.pid)) rmSync(folder.pidFile, { force: true })
  }
}

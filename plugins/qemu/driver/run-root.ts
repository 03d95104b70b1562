/**
 * The run root: the folder holding each VM's run folder (QMP, guest-agent, serial and VNC sockets, pidfile, log).
 * Whoever can rename entries in it can swap a VM's sockets for their own, so (#14):
 * - by default it is `<stateDir>/run`, inside the agent's own data folder; when that path is too long for unix
 *   sockets (sockaddr_un holds 107 bytes) it is a folder the driver makes itself with a random name under /tmp
 *   (mkdtemp: created, never adopted), and its path is recorded in `<stateDir>/run-root` so that the next agent
 *   finds the running VMs' sockets again;
 * - an existing run root (given, recorded, or the predictable `/tmp/hx-<hash>` of earlier versions, still used
 *   when it is safe so that running VMs are re-attached after an upgrade) is used only when it is a real folder
 *   owned by the agent's user and writable by nobody else, in a parent that others cannot rename it out of.
 */
import { createHash } from "node:crypto"
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, type Stats, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"

/** sockaddr_un holds 107 bytes; the longest run-folder entry is "<name of 63>/serial.sock". */
export const LONGEST_ENTRY = 1 + 63 + "/serial.sock".length
export const MAX_SOCKET_PATH = 107

export const fitsSockets = (root: string) => Buffer.byteLength(root) + LONGEST_ENTRY <= MAX_SOCKET_PATH

const recordOf = (stateDir: string) => join(stateDir, "run-root")

/** Where versions before #14 put the run root: predictable, so anyone could make it first. */
export const legacyRunRoot = (stateDir: string) =>
  join("/tmp", `hx-${createHash("sha256").update(resolve(stateDir)).digest("hex").slice(0, 8)}`)

const recorded = (stateDir: string): string | undefined => {
  try {
    const text = readFileSync(recordOf(stateDir), "utf8").trim()
    return text === "" ? undefined : text
  } catch {
    return undefined
  }
}

const statOf = (path: string): Stats | undefined => lstatSync(path, { throwIfNoEntry: false })

/** The run root a driver on `stateDir` uses by default, as far as it can be known without making anything. */
export const defaultRunRoot = (stateDir: string): string => {
  const state = resolve(stateDir)
  const inside = join(state, "run")
  return recorded(state) ?? (fitsSockets(inside) ? inside : legacyRunRoot(state))
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`

/** Why the folder at `path` must not hold VM sockets, or undefined when it is safe. */
export const unsafeFolder = (path: string, uid = process.getuid?.() ?? 0): string | undefined => {
  const stats = statOf(path)
  if (stats === undefined) return `${path} does not exist`
  if (stats.isSymbolicLink()) return `${path} is a symbolic link`
  if (!stats.isDirectory()) return `${path} is not a folder`
  if (stats.uid !== uid) return `${path} is owned by uid ${stats.uid}, not by the agent's user (uid ${uid})`
  if ((stats.mode & 0o022) !== 0) return `${path} is writable by its group or by others (mode ${octal(stats.mode)})`
  const parent = statOf(dirname(path))
  if (parent === undefined) return `${dirname(path)} does not exist`
  const sticky = (parent.mode & 0o1000) !== 0
  if (parent.uid !== uid && parent.uid !== 0) return `its parent ${dirname(path)} is owned by uid ${parent.uid}`
  if ((parent.mode & 0o022) !== 0 && !sticky) {
    return `its parent ${dirname(path)} is writable by others without the sticky bit (mode ${octal(parent.mode)})`
  }
  return undefined
}

export type RunRootResult = { readonly root: string } | { readonly refused: string }

const checked = (root: string): RunRootResult => {
  const problem = unsafeFolder(root)
  return problem === undefined ? { root } : { refused: problem }
}

/** A given run root: made (0700) when missing, else used only when it is safe; never longer than sockets allow. */
const givenRoot = (path: string): RunRootResult => {
  const root = resolve(path)
  if (!fitsSockets(root)) return { refused: `${root} is too long for unix sockets below it` }
  if (statOf(root) === undefined) mkdirSync(root, { recursive: true, mode: 0o700 })
  return checked(root)
}

/**
 * Makes or finds the run root for a driver on `stateDir` (see the file's comment); `runDir` overrides the default.
 * In order: the given folder; the recorded one while it exists (refused when unsafe: that is an attack or an
 * accident to look at, not to paper over); the folder of earlier versions when it is safe (its VMs keep running
 * and are re-attached); `<stateDir>/run` when it fits; else a fresh random /tmp folder, recorded.
 */
export const prepareRunRoot = (stateDir: string, runDir: string | undefined): RunRootResult => {
  if (runDir !== undefined) return givenRoot(runDir)
  const state = resolve(stateDir)
  const before = recorded(state)
  if (before !== undefined && statOf(before) !== undefined) return checked(before)
  const legacy = legacyRunRoot(state)
  // An unsafe legacy folder is someone else's trap: left alone.
  if (statOf(legacy) !== undefined && unsafeFolder(legacy) === undefined) return remember(state, legacy)
  const inside = join(state, "run")
  mkdirSync(state, { recursive: true, mode: 0o700 })
  if (fitsSockets(inside)) return givenRoot(inside)
  return remember(state, mkdtempSync("/tmp/hx-run-"))
}

const remember = (state: string, root: string): RunRootResult => {
  mkdirSync(state, { recursive: true, mode: 0o700 })
  writeFileSync(recordOf(state), `${root}\n`, { mode: 0o600 })
  return { root }
}

import type { Backup } from "../../model/storage.ts"

/**
 * Backup chains. A disk's backups come in streams: its manual backups, and each schedule's own. A stream's backups
 * form chains: a full backup, then increments, each backed by the one before, all tracked by one persistent dirty
 * bitmap on the disk named after the chain's full backup. Streams never share a chain, so a schedule's retention
 * never depends on manual backups or another schedule's. A chain stops growing at its length limit; the next
 * backup of the stream is a full one that starts a new chain, and the old chain's bitmap is dropped.
 */

/** How long a chain of manual backups grows before the next manual backup is a full one again. */
export const manualChainLimit = 8

/** The dirty bitmap's name for the chain a full backup starts. */
export const chainName = (fullBackupId: string) => `hyperx-${fullBackupId}`

const newestFirst = (a: Backup, b: Backup) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id)

/** The backup and everything it builds on, from itself back to its chain's full backup. */
export const ancestry = (backup: Backup, all: ReadonlyArray<Backup>): ReadonlyArray<Backup> => {
  const byId = new Map(all.map((b) => [b.id, b] as const))
  const line: Array<Backup> = [backup]
  for (let parent = backup.parentId; parent !== null; ) {
    const next = byId.get(parent)
    if (next === undefined || line.includes(next)) break
    line.push(next)
    parent = next.parentId
  }
  return line
}

/** The full backup a backup's chain starts with. */
export const rootOf = (backup: Backup, all: ReadonlyArray<Backup>): Backup => ancestry(backup, all).at(-1) ?? backup

/** Every backup that builds on this one, directly or not; latest first, so they can be deleted in that order. */
export const dependentsOf = (backup: Backup, all: ReadonlyArray<Backup>): ReadonlyArray<Backup> =>
  all.filter((b) => b.id !== backup.id && ancestry(b, all).some((a) => a.id === backup.id)).sort(newestFirst)

/** A stream: the disk's manual backups (scheduleId null), or the backups one schedule made. */
export const streamOf = (all: ReadonlyArray<Backup>, scheduleId: string | null): ReadonlyArray<Backup> =>
  all.filter((b) => (scheduleId === null ? b.origin === "manual" : b.scheduleId === scheduleId))

export type BackupPlan =
  | {
      readonly kind: "full"
      readonly chain: string
      /** The stream's previous chain, which no longer grows: its bitmap can go. */
      readonly supersedes: string | null
    }
  | { readonly kind: "incremental"; readonly chain: string; readonly previous: Backup }

/**
 * The next backup of a stream: an increment on the stream's newest ready backup while that chain is shorter than
 * `limit`, else a full one starting the chain `newId` names. Whether the increment can really be made (the chain's
 * bitmap may be gone) only the hypervisor knows; the backup operation falls back to a full one when it cannot.
 */
export const planBackup = (
  stream: ReadonlyArray<Backup>,
  all: ReadonlyArray<Backup>,
  limit: number,
  newId: string,
): BackupPlan => {
  const newest = stream.filter((b) => b.state === "ready").sort(newestFirst)[0]
  if (newest === undefined) return { kind: "full", chain: chainName(newId), supersedes: null }
  const line = ancestry(newest, all)
  const chain = chainName(rootOf(newest, all).id)
  if (line.length < limit) return { kind: "incremental", chain, previous: newest }
  return { kind: "full", chain: chainName(newId), supersedes: chain }
}

/**
 * Retention (V5): what a schedule's run leaves to delete. Its newest `retention` ready backups stay, with what they
 * build on (so each stays restorable); the rest of its ready and failed backups go. Backups in flight are left
 * alone. Returns the chains' first doomed members only: deleting a backup deletes what builds on it.
 */
export const backupsToPrune = (
  all: ReadonlyArray<Backup>,
  scheduleId: string,
  retention: number,
): ReadonlyArray<Backup> => {
  const mine = all.filter((b) => b.scheduleId === scheduleId)
  const kept = new Set<string>()
  for (const newest of mine
    .filter((b) => b.state === "ready")
    .sort(newestFirst)
    .slice(0, retention)) {
    for (const member of ancestry(newest, all)) kept.add(member.id)
  }
  for (const inFlight of mine.filter((b) => b.state === "creating")) {
    for (const member of ancestry(inFlight, all)) kept.add(member.id)
  }
  const doomed = mine.filter((b) => !kept.has(b.id))
  const doomedIds = new Set(doomed.map((b) => b.id))
  return doomed.filter((b) => b.parentId === null || !doomedIds.has(b.parentId)).sort((a, b) => newestFirst(b, a))
}

import type { Snapshot } from "../model/storage.ts"

const newestFirst = (a: Snapshot, b: Snapshot) =>
  b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id)

/**
 * Retention (P2; backups: backupsToPrune in operations/backups/chains.ts): a schedule keeps its own newest `retention` ready snapshots; its older ones and its failed ones
 * go. Manual snapshots and other schedules' are never touched; snapshots still being taken are left alone.
 */
export const snapshotsToPrune = (
  all: ReadonlyArray<Snapshot>,
  scheduleId: string,
  retention: number,
): ReadonlyArray<Snapshot> => {
  const mine = all.filter((s) => s.scheduleId === scheduleId && s.origin === "scheduled")
  const kept = new Set(
    mine
      .filter((s) => s.state === "ready")
      .sort(newestFirst)
      .slice(0, retention)
      .map((s) => s.id),
  )
  return mine.filter((s) => s.state !== "creating" && !kept.has(s.id)).sort((a, b) => newestFirst(b, a))
}

/**
 * How long each QMP command may take before it fails with QmpTimeout. Replies are normally 1–5 ms; the budget is
 * for a busy host. Keys are command names, plus "job:<command>" for a job's whole run and "event:<EVENT>" for an
 * awaited event. Every call can override its entry with `timeoutMs`.
 */
export const defaultTimeoutMs = 500

const blockOpMs = 5_000
const heavyJobMs = 60_000

export const qmpTimeoutTable: Readonly<Record<string, number>> = {
  // The handshake at start-up: a QEMU still loading on a busy host can take seconds to answer it.
  qmp_capabilities: 10_000,
  // quit returns once QEMU starts tearing down, which may flush disks.
  quit: 2_000,
  "human-monitor-command": blockOpMs,
  "blockdev-add": blockOpMs,
  "blockdev-del": blockOpMs,
  device_add: blockOpMs,
  device_del: blockOpMs,
  "blockdev-change-medium": blockOpMs,
  "blockdev-open-tray": blockOpMs,
  "blockdev-close-tray": blockOpMs,
  "blockdev-remove-medium": blockOpMs,
  "blockdev-insert-medium": blockOpMs,
  eject: blockOpMs,
  transaction: blockOpMs,
  "block-dirty-bitmap-add": blockOpMs,
  "block-dirty-bitmap-remove": blockOpMs,
  "blockdev-create": blockOpMs,
  "snapshot-save": blockOpMs,
  "snapshot-load": blockOpMs,
  "snapshot-delete": blockOpMs,
  "job-dismiss": blockOpMs,
  "job-cancel": blockOpMs,
  "query-jobs": blockOpMs,
  // Under TCG a 256 MiB guest saves in ~0.2 s on an idle host; memory size and disk speed scale it.
  "job:snapshot-save": heavyJobMs,
  "job:snapshot-load": heavyJobMs,
  "job:snapshot-delete": 30_000,
  // Formatting an empty qcow2 writes a few clusters.
  "job:blockdev-create": 30_000,
  // Migration set-up commands answer at once; the migration itself runs in QEMU's own thread.
  "migrate-incoming": blockOpMs,
  "nbd-server-start": blockOpMs,
  "nbd-server-stop": blockOpMs,
  "block-export-add": blockOpMs,
  "blockdev-mirror": blockOpMs,
  "block-job-cancel": blockOpMs,
  "query-block-jobs": blockOpMs,
  // While a migration completes or is cancelled, QEMU's main loop waits on the migration thread (it holds the big
  // lock to save or drop device state), so these answer late on a busy host: a 500 ms query-migrate timed out in CI
  // during migration.cancel's rollback.
  migrate: blockOpMs,
  migrate_cancel: blockOpMs,
  "migrate-start-postcopy": blockOpMs,
  "migrate-continue": blockOpMs,
  "query-migrate": blockOpMs,
  // virtio devices need the guest's acknowledgement (~140 ms on an idle TCG guest).
  "event:DEVICE_DELETED": 10_000,
}

/** Overrides for one monitor (a slow host may scale everything up). */
export interface TimeoutSettings {
  readonly defaultMs?: number
  readonly table?: Readonly<Record<string, number>>
  /** Multiplies every budget (e.g. 3 on an overloaded CI host). */
  readonly scale?: number
}

export const timeoutFor = (operation: string, settings: TimeoutSettings = {}): number =>
  Math.round(
    (settings.table?.[operation] ?? qmpTimeoutTable[operation] ?? settings.defaultMs ?? defaultTimeoutMs) *
      (settings.scale ?? 1),
  )

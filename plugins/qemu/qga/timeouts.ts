/**
 * How long each guest-agent command may take before it fails with QgaTimeout. The agent runs inside the guest, so
 * budgets are wider than QMP's: a busy TCG guest answers in milliseconds but can stall. Every call can override
 * its entry with `timeoutMs`.
 */
export const defaultQgaTimeoutMs = 2_000

export const qgaTimeoutTable: Readonly<Record<string, number>> = {
  // One guest-sync attempt; connectAgent retries within its own budget.
  "guest-sync": 1_000,
  "guest-get-fsinfo": 5_000,
  // Runs chpasswd in the guest.
  "guest-set-user-password": 10_000,
  "guest-ssh-add-authorized-keys": 5_000,
  "guest-ssh-get-authorized-keys": 5_000,
  "guest-ssh-remove-authorized-keys": 5_000,
  "guest-file-open": 5_000,
  "guest-file-read": 5_000,
  "guest-file-write": 5_000,
  "guest-file-close": 5_000,
  "guest-exec": 5_000,
  // Freezing flushes every file system first: as slow as the guest's dirty data.
  "guest-fsfreeze-freeze": 60_000,
  "guest-fsfreeze-thaw": 30_000,
  // No reply on success: this is how long an error reply is awaited before the request counts as accepted.
  "guest-shutdown": 3_000,
  // runInGuest: the whole program run, polling guest-exec-status.
  "run:guest-exec": 60_000,
}

export interface QgaTimeoutSettings {
  readonly defaultMs?: number
  readonly table?: Readonly<Record<string, number>>
  /** Multiplies every budget (e.g. 3 on an overloaded CI host). */
  readonly scale?: number
}

export const qgaTimeoutFor = (command: string, settings: QgaTimeoutSettings = {}): number =>
  Math.round(
    (settings.table?.[command] ?? qgaTimeoutTable[command] ?? settings.defaultMs ?? defaultQgaTimeoutMs) *
      (settings.scale ?? 1),
  )

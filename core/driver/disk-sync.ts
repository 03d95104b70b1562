import type { SendOptions } from "./driver.ts"

/**
 * R9 H2, the contract's disk deadline (SendOptions.diskSyncTimeoutMs), the same in every driver: its default, what
 * a driver refuses, and how a send that missed it fails. 30 min copies ~175 GiB at 100 MiB/s; the core passes more
 * for bigger disks (core/operations/migrate/disk-sync-deadline.ts).
 */
export const defaultDiskSyncTimeoutMs = 30 * 60_000

/** The send's disk deadline in ms, or the reason it is not one (the driver answers InvalidRequest with it). */
export const diskSyncTimeoutOf = (options: SendOptions): { readonly ms: number } | { readonly invalid: string } => {
  const ms = options.diskSyncTimeoutMs ?? defaultDiskSyncTimeoutMs
  return Number.isFinite(ms) && ms > 0
    ? { ms }
    : { invalid: `diskSyncTimeoutMs must be a positive number of ms, not ${ms}` }
}

/** A send's failure when its disks missed the deadline (`why`: what the driver saw). */
export const disksDidNotConverge = (ms: number, why: string) =>
  `the disks did not converge within ${ms / 1000} s: ${why}`

import { defaultDiskSyncTimeoutMs } from "../../driver/disk-sync.ts"

/**
 * R9 H2: how long a live migration's disk copy (local storage) may take to catch up with the guest before the send
 * fails and the guest runs on at its source. A request may name it; otherwise it follows the VM's disks: the
 * contract's default (30 min), or 30 s for each GiB they hold when that is longer (a copy slower than ~34 MiB/s, or a
 * guest writing faster than the copy, then ends the move instead of holding it in its disk phase until someone
 * cancels it).
 */
const minimumDiskSyncSeconds = defaultDiskSyncTimeoutMs / 1000
const diskSyncSecondsPerGiB = 30
/** The longest a request may ask for: a week. */
export const maximumDiskSyncSeconds = 7 * 24 * 60 * 60

export const diskSyncTimeoutSeconds = (
  disks: ReadonlyArray<{ readonly sizeGiB: number }>,
  asked: number | undefined,
): number =>
  asked ?? Math.max(minimumDiskSyncSeconds, diskSyncSecondsPerGiB * disks.reduce((sum, disk) => sum + disk.sizeGiB, 0))

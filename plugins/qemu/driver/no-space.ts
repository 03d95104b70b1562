import { statfsSync } from "node:fs"
import { dirname } from "node:path"
import type { DriverError } from "../../../core/driver/errors.ts"
import type { Errors } from "./errors.ts"

/** What QEMU says when a write to an image failed: its own ENOSPC text, or the EIO the qcow2 layer turns it into. */
const WRITE_FAILED = /No space left on device|Input\/output error|\bENOSPC\b|\bEIO\b/i

/** Bytes an unprivileged writer may still use on the file system holding `path`'s folder; undefined if unreadable. */
export const freeBytesNear = (path: string): number | undefined => {
  const stats = (() => {
    try {
      return statfsSync(dirname(path))
    } catch {
      return undefined
    }
  })()
  return stats === undefined ? undefined : stats.bavail * stats.bsize
}

const mib = (bytes: number) => Math.floor(bytes / (1024 * 1024))

/**
 * A failed memory snapshot in plain words when it ran out of space. QEMU 7.2 reports a vmstate write that hit ENOSPC
 * as "Input/output error" (the case): the file system holding the disks is then looked at, and when it has
 * less room than the guest's memory the error says "no space left on device", with the numbers. Any other failure
 * is returned as it was.
 */
export const explainNoSpace =
  (errors: Errors, operation: string, diskPaths: ReadonlyArray<string>, memoryMiB: number) =>
  (error: DriverError): DriverError => {
    if (error.reason._tag !== "HypervisorFailure" || !WRITE_FAILED.test(error.reason.message)) return error
    const free = diskPaths.map(freeBytesNear).filter((bytes): bytes is number => bytes !== undefined)
    const least = free.length === 0 ? undefined : Math.min(...free)
    const saidNoSpace = /No space left on device|\bENOSPC\b/i.test(error.reason.message)
    if (!saidNoSpace && (least === undefined || mib(least) >= memoryMiB)) return error
    const room =
      least === undefined ? "" : `: ${mib(least)} MiB free where the disks are, the memory is ${memoryMiB} MiB`
    return errors.failure(
      operation,
      `no space left on device for the snapshot${room} (QEMU said: ${error.reason.message})`,
      false,
    )
  }

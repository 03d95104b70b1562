import { closeSync, openSync, readSync } from "node:fs"
import type { SnapshotInfo } from "../qmp/commands/block.ts"

const QCOW2_MAGIC = 0x514649fb
const HEADER_BYTES = 72
/** The fixed part of a snapshot table entry, before its extra data, id and name. */
const ENTRY_FIXED_BYTES = 40
/** qcow2 allows at most 65536 snapshots; a table claiming more is not one we should trust. */
const MAX_SNAPSHOTS = 65_536

const readAt = (fd: number, position: number, length: number): Buffer => {
  const buffer = Buffer.alloc(length)
  const read = readSync(fd, buffer, 0, length, position)
  if (read !== length) throw new Error(`short read: ${read} of ${length} bytes at ${position}`)
  return buffer
}

/**
 * The internal snapshots of a qcow2 image, read from its snapshot table (qcow2 spec, "Snapshots"): what
 * `qemu-img info` lists, in the same shape, without starting a process. For images no QEMU has open (a stopped
 * domain's disks): a running QEMU may be rewriting the table. Undefined when the file is not a qcow2 image.
 */
export const readQcow2Snapshots = (path: string): ReadonlyArray<SnapshotInfo> | undefined => {
  const fd = openSync(path, "r")
  try {
    const header = readAt(fd, 0, HEADER_BYTES)
    if (header.readUInt32BE(0) !== QCOW2_MAGIC) return undefined
    const count = header.readUInt32BE(60)
    if (count > MAX_SNAPSHOTS) throw new Error(`${path} claims ${count} snapshots`)
    let offset = Number(header.readBigUInt64BE(64))
    const snapshots: Array<SnapshotInfo> = []
    for (let index = 0; index < count; index++) {
      const fixed = readAt(fd, offset, ENTRY_FIXED_BYTES)
      const idBytes = fixed.readUInt16BE(12)
      const nameBytes = fixed.readUInt16BE(14)
      const extraBytes = fixed.readUInt32BE(36)
      const rest = readAt(fd, offset + ENTRY_FIXED_BYTES, extraBytes + idBytes + nameBytes)
      // Version 3 keeps the saved memory's size as 64 bits in the extra data; the 32-bit field may be truncated.
      const vmStateSize = extraBytes >= 8 ? Number(rest.readBigUInt64BE(0)) : fixed.readUInt32BE(32)
      const vmClock = fixed.readBigUInt64BE(24)
      snapshots.push({
        id: rest.toString("utf8", extraBytes, extraBytes + idBytes),
        name: rest.toString("utf8", extraBytes + idBytes, extraBytes + idBytes + nameBytes),
        vmStateSize,
        dateSec: fixed.readUInt32BE(16),
        dateNsec: fixed.readUInt32BE(20),
        vmClockSec: Number(vmClock / 1_000_000_000n),
        vmClockNsec: Number(vmClock % 1_000_000_000n),
      })
      // Each entry is padded to a multiple of 8 bytes.
      const entryBytes = ENTRY_FIXED_BYTES + extraBytes + idBytes + nameBytes
      offset += Math.ceil(entryBytes / 8) * 8
    }
    return snapshots
  } finally {
    closeSync(fd)
  }
}

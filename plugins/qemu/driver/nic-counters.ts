import { readFileSync } from "node:fs"
import type { NicSpec } from "../../../core/driver/spec.ts"

/** One interface's byte counters from a `/proc/<pid>/net/dev` table, as the host sees them. */
export interface HostCounters {
  readonly rxBytes: number
  readonly txBytes: number
}

/** `/proc/net/dev`: two header lines, then "name: rx_bytes rx_packets … (8 rx fields) tx_bytes …". */
export const parseNetDev = (text: string): ReadonlyMap<string, HostCounters> =>
  new Map(
    text
      .split("\n")
      .slice(2)
      .flatMap((line) => {
        const match = /^\s*([^:\s]+):\s*(.*)$/.exec(line)
        const fields = match?.[2]?.trim().split(/\s+/).map(Number)
        if (match?.[1] === undefined || fields === undefined || fields.length < 9) return []
        return [[match[1], { rxBytes: fields[0] ?? 0, txBytes: fields[8] ?? 0 }] as const]
      }),
  )

/**
 * M1: each tap NIC's bytes from the guest's side. A tap's host side sends what the guest receives, so the guest's
 * rx is the tap's tx. The table is read through QEMU's own process, so a QEMU in another network namespace is read
 * in its namespace. NICs on user-mode networking or the bridge helper (a tap named by the helper) have no counters
 * here: undefined, and the series says "unknown" rather than 0.
 */
export const tapCounters = (
  pid: number,
  nics: ReadonlyArray<NicSpec>,
  read: (path: string) => string = (path) => readFileSync(path, "utf8"),
) => {
  const taps = nics.flatMap((nic) => (nic.backing.kind === "tap" ? [{ id: nic.id, tap: nic.backing.tap }] : []))
  if (taps.length === 0 || taps.length !== nics.length) return undefined
  let table: ReadonlyMap<string, HostCounters>
  try {
    table = parseNetDev(read(`/proc/${pid}/net/dev`))
  } catch {
    return undefined
  }
  const counters = taps.map(({ id, tap }) => {
    const host = table.get(tap)
    return host === undefined ? undefined : { id, rxBytes: host.txBytes, txBytes: host.rxBytes }
  })
  return counters.every((c) => c !== undefined) ? counters : undefined
}

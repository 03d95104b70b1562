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

/** Byte counters by MAC address (lower case), as the guest agent reports its interfaces'. */
export type GuestCounters = ReadonlyMap<string, HostCounters>

/** Whether a NIC's counters can be read on the host (a tap this driver named), or only from the guest. */
export const countedOnHost = (nic: NicSpec) => nic.backing.kind === "tap"

/**
 * M1: each NIC's bytes from the guest's side. A tap's are read on the host: its host side sends what the guest
 * receives, so the guest's rx is the tap's tx; the table is read through QEMU's own process, so a QEMU in another
 * network namespace is read in its namespace. A NIC on user-mode networking or the bridge helper (a tap named by the
 * helper) has no counters on the host: the guest agent's, matched by MAC, stand in when given (`guest`). A NIC
 * counted by neither leaves the whole answer undefined, so that the series says "unknown" rather than a partial sum.
 */
export const nicCounters = (
  pid: number,
  nics: ReadonlyArray<NicSpec>,
  guest?: GuestCounters,
  read: (path: string) => string = (path) => readFileSync(path, "utf8"),
) => {
  if (nics.length === 0) return undefined
  let table: ReadonlyMap<string, HostCounters> | undefined
  const hostTable = () => {
    if (table === undefined) {
      try {
        table = parseNetDev(read(`/proc/${pid}/net/dev`))
      } catch {
        table = new Map()
      }
    }
    return table
  }
  const counters = nics.map((nic) => {
    if (nic.backing.kind === "tap") {
      const host = hostTable().get(nic.backing.tap)
      return host === undefined ? undefined : { id: nic.id, rxBytes: host.txBytes, txBytes: host.rxBytes }
    }
    const inGuest = guest?.get(nic.mac.toLowerCase())
    return inGuest === undefined ? undefined : { id: nic.id, rxBytes: inGuest.rxBytes, txBytes: inGuest.txBytes }
  })
  return counters.every((c) => c !== undefined) ? counters : undefined
}

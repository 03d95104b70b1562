import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { NicSpec } from "../../../core/driver/spec.ts"
import { parseNetDev, tapCounters } from "./nic-counters.ts"

const table = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    8000      80    0    0    0     0          0         0     8000      80    0    0    0     0       0          0
hxt-a1:    1200      10    0    0    0     0          0         0    45000     300    0    0    0     0       0          0
`

const nic = (id: string, backing: NicSpec["backing"]) => ({ id, backing }) as unknown as NicSpec

describe("QEMU NIC counters (M1)", () => {
  it("M1 /proc/<pid>/net/dev is read per interface: receive bytes first, transmit bytes ninth", () => {
    assert.deepEqual(parseNetDev(table).get("hxt-a1"), { rxBytes: 1200, txBytes: 45000 })
  })

  it("M1 a tap's host side sends what the guest receives: the guest's rx is the tap's tx", () => {
    const counters = tapCounters(1, [nic("n1", { kind: "tap", tap: "hxt-a1" })], () => table)
    assert.deepEqual(counters, [{ id: "n1", rxBytes: 45000, txBytes: 1200 }])
  })

  it("M1 user-mode networking, a missing tap or an unreadable table: unknown, never zero", () => {
    assert.equal(
      tapCounters(1, [nic("n1", { kind: "user", hostForwards: [] })], () => table),
      undefined,
    )
    assert.equal(
      tapCounters(1, [nic("n1", { kind: "tap", tap: "gone" })], () => table),
      undefined,
    )
    const unreadable = () => {
      throw new Error("ENOENT")
    }
    assert.equal(tapCounters(1, [nic("n1", { kind: "tap", tap: "hxt-a1" })], unreadable), undefined)
  })

  it("M1 the real table of this process's namespace parses (loopback is always there)", () => {
    const lo = tapCounters(process.pid, [nic("lo", { kind: "tap", tap: "lo" })])
    assert.equal(lo?.length, 1)
    assert.ok((lo?.[0]?.rxBytes ?? -1) >= 0)
  })
})

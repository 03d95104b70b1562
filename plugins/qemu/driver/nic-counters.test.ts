import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { NicSpec } from "../../../core/driver/spec.ts"
import { nicCounters, parseNetDev } from "./nic-counters.ts"

const table = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    8000      80    0    0    0     0          0         0     8000      80    0    0    0     0       0          0
hxt-a1:    1200      10    0    0    0     0          0         0    45000     300    0    0    0     0       0          0
`

const nic = (id: string, backing: NicSpec["backing"], mac = "52:54:00:00:00:01") =>
  ({ id, mac, backing }) as unknown as NicSpec

describe("QEMU NIC counters (M1)", () => {
  it("M1 /proc/<pid>/net/dev is read per interface: receive bytes first, transmit bytes ninth", () => {
    assert.deepEqual(parseNetDev(table).get("hxt-a1"), { rxBytes: 1200, txBytes: 45000 })
  })

  it("M1 a tap's host side sends what the guest receives: the guest's rx is the tap's tx", () => {
    const counters = nicCounters(1, [nic("n1", { kind: "tap", tap: "hxt-a1" })], undefined, () => table)
    assert.deepEqual(counters, [{ id: "n1", rxBytes: 45000, txBytes: 1200 }])
  })

  it("M1 a NIC the host cannot count (user-mode networking) takes the guest agent's counters, matched by MAC", () => {
    const guest = new Map([["52:54:00:00:00:02", { rxBytes: 900, txBytes: 300 }]])
    const counters = nicCounters(
      1,
      [nic("n1", { kind: "tap", tap: "hxt-a1" }), nic("n2", { kind: "user", hostForwards: [] }, "52:54:00:00:00:02")],
      guest,
      () => table,
    )
    assert.deepEqual(counters, [
      { id: "n1", rxBytes: 45000, txBytes: 1200 },
      { id: "n2", rxBytes: 900, txBytes: 300 },
    ])
    const upperCase = nicCounters(
      1,
      [nic("n2", { kind: "user", hostForwards: [] }, "52:54:00:00:00:02".toUpperCase())],
      guest,
    )
    assert.deepEqual(upperCase, [{ id: "n2", rxBytes: 900, txBytes: 300 }], "MACs match whatever their case")
    const otherMac = nicCounters(1, [nic("n3", { kind: "user", hostForwards: [] }, "52:54:00:00:00:03")], guest)
    assert.equal(otherMac, undefined, "a NIC the guest does not report is not counted as another's")
  })

  it("M1 user-mode networking without the guest's counters, a missing tap or an unreadable table: unknown, never zero", () => {
    assert.equal(
      nicCounters(1, [nic("n1", { kind: "user", hostForwards: [] })], undefined, () => table),
      undefined,
    )
    assert.equal(
      nicCounters(1, [nic("n1", { kind: "tap", tap: "gone" })], undefined, () => table),
      undefined,
    )
    const unreadable = () => {
      throw new Error("ENOENT")
    }
    assert.equal(nicCounters(1, [nic("n1", { kind: "tap", tap: "hxt-a1" })], undefined, unreadable), undefined)
  })

  it("M1 the real table of this process's namespace parses (loopback is always there)", () => {
    const lo = nicCounters(process.pid, [nic("lo", { kind: "tap", tap: "lo" })])
    assert.equal(lo?.length, 1)
    assert.ok((lo?.[0]?.rxBytes ?? -1) >= 0)
  })
})

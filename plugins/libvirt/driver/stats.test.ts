import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { parseNicTargets } from "../virsh/xml-read.ts"
import { nicAlias } from "../xml/names.ts"
import { cpuPercent, disksOf, memoryOf, nicsOf } from "./stats.ts"

describe("libvirt stats", () => {
  it("M1 CPU % is the vCPU time over the wall time between samples, at most 100 per vCPU", () => {
    const before = { cpuTimeNs: 1_000_000_000, atMs: 10_000 }
    assert.equal(cpuPercent(before, { cpuTimeNs: 1_500_000_000, atMs: 11_000 }, 1), 50)
    assert.equal(cpuPercent(before, { cpuTimeNs: 9_000_000_000, atMs: 11_000 }, 2), 200)
    assert.equal(cpuPercent(before, { cpuTimeNs: 1_000_000_000, atMs: 10_000 }, 1), 0)
  })

  it("M1 memory comes from the balloon: used is what the guest could not hand out", () => {
    const record = { "balloon.current": "131072", "balloon.available": "94780", "balloon.usable": "59276" }
    assert.deepEqual(memoryOf(record), {
      memoryTotalBytes: 131072 * 1024,
      memoryUsedBytes: (94780 - 59276) * 1024,
    })
    assert.deepEqual(memoryOf({ "balloon.current": "131072" }), { memoryTotalBytes: 131072 * 1024, memoryUsedBytes: 0 })
  })

  it("M1 disk counters are listed per disk id; devices without our alias (the CD-ROM) are left out", () => {
    const record = {
      "block.count": "2",
      "block.0.name": "vda",
      "block.0.rd.bytes": "269824",
      "block.0.wr.bytes": "8408064",
      "block.1.name": "hdc",
      "block.1.rd.bytes": "30",
    }
    assert.deepEqual(disksOf(record, new Map([["vda", "system"]])), [
      { id: "system", readBytes: 269824, writeBytes: 8408064 },
    ])
  })

  it("M1 NIC counters per NIC id from the live XML's targets; a NIC without counters leaves them all unknown", () => {
    const xml = `<domain><devices>
      <interface type='ethernet'><target dev='hxt-a1' managed='no'/><alias name='${nicAlias("nic-1")}'/></interface>
      <interface type='ethernet'><target dev='hxt-b2' managed='no'/><alias name='${nicAlias("nic-2")}'/></interface>
    </devices></domain>`
    const targets = new Map(parseNicTargets(xml).map(({ target, alias }) => [target, alias.replace("ua-nic-", "")]))
    const record = {
      "net.count": "2",
      "net.0.name": "hxt-a1",
      "net.0.rx.bytes": "1500",
      "net.0.tx.bytes": "700",
      "net.1.name": "hxt-b2",
      "net.1.rx.bytes": "10",
      "net.1.tx.bytes": "20",
    }
    assert.deepEqual(nicsOf(record, targets, 2), [
      { id: "nic-1", rxBytes: 1500, txBytes: 700 },
      { id: "nic-2", rxBytes: 10, txBytes: 20 },
    ])
    assert.equal(nicsOf({ ...record, "net.count": "1" }, targets, 2), undefined, "one NIC unaccounted for")
    assert.equal(nicsOf({}, targets, 0), undefined, "no NICs: unknown, not zero")
  })
})

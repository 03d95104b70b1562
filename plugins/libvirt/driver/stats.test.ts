import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { guestAgentConnected, parseNicMacs, parseNicTargets } from "../virsh/xml-read.ts"
import { nicAlias } from "../xml/names.ts"
import { cpuPercent, disksOf, hostNicCounters, memoryOf, nicsOf } from "./stats.ts"

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
      <interface type='ethernet'><mac address='52:54:00:AA:00:01'/><target dev='hxt-a1' managed='no'/><alias name='${nicAlias("nic-1")}'/></interface>
      <interface type='ethernet'><mac address='52:54:00:aa:00:02'/><target dev='hxt-b2' managed='no'/><alias name='${nicAlias("nic-2")}'/></interface>
    </devices></domain>`
    const targets = new Map(parseNicTargets(xml).map(({ target, alias }) => [target, alias.replace("ua-nic-", "")]))
    const nics = parseNicMacs(xml).map(({ alias, mac }) => ({ id: alias.replace("ua-nic-", ""), mac }))
    assert.deepEqual(nics, [
      { id: "nic-1", mac: "52:54:00:aa:00:01" },
      { id: "nic-2", mac: "52:54:00:aa:00:02" },
    ])
    const record = {
      "net.count": "2",
      "net.0.name": "hxt-a1",
      "net.0.rx.bytes": "1500",
      "net.0.tx.bytes": "700",
      "net.1.name": "hxt-b2",
      "net.1.rx.bytes": "10",
      "net.1.tx.bytes": "20",
    }
    assert.deepEqual(nicsOf(nics, hostNicCounters(record, targets)), [
      { id: "nic-1", rxBytes: 1500, txBytes: 700 },
      { id: "nic-2", rxBytes: 10, txBytes: 20 },
    ])
    const oneCounted = hostNicCounters({ ...record, "net.count": "1" }, targets)
    assert.equal(nicsOf(nics, oneCounted), undefined, "one NIC unaccounted for")
    assert.equal(nicsOf([], hostNicCounters({}, targets)), undefined, "no NICs: unknown, not zero")
  })

  it("M1 a NIC libvirt cannot count (user-mode) takes the guest agent's counters by MAC; without them all are unknown", () => {
    const xml = `<domain><devices>
      <interface type='user'><mac address='52:54:00:12:34:56'/><model type='virtio'/><alias name='${nicAlias("nic0")}'/></interface>
      <channel type='unix'><source mode='bind' path='/run/a.sock'/><target type='virtio' name='org.qemu.guest_agent.0' state='connected'/><alias name='channel0'/></channel>
    </devices></domain>`
    const nics = parseNicMacs(xml).map(({ alias, mac }) => ({ id: alias.replace("ua-nic-", ""), mac }))
    const host = hostNicCounters({ "net.count": "1", "net.0.name": "", "net.0.rx.bytes": "0" }, new Map())
    assert.equal(nicsOf(nics, host), undefined)
    const guest = new Map([["52:54:00:12:34:56", { rxBytes: 4200, txBytes: 900 }]])
    assert.deepEqual(nicsOf(nics, host, guest), [{ id: "nic0", rxBytes: 4200, txBytes: 900 }])
    assert.equal(guestAgentConnected(xml), true)
    assert.equal(guestAgentConnected(xml.replace("state='connected'", "state='disconnected'")), false)
    assert.equal(guestAgentConnected(xml.replace(" state='connected'", "")), false, "a stopped domain's XML")
  })
})

import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { parseEventLine } from "./events.ts"
import {
  jobFigure,
  parseDomainList,
  parseDomState,
  parseDomStats,
  parseJobInfo,
  parseNames,
  statNumber,
} from "./parse.ts"
import { parseDisks, parseNicAliases, parseSerialSocket, parseSnapshotXml, parseVnc } from "./xml-read.ts"

describe("virsh output parsing", () => {
  it("H3 domstate --reason maps libvirt's states onto the contract's", () => {
    assert.deepEqual(parseDomState("running (booted)\n\n"), { power: "running", reason: "booted" })
    assert.deepEqual(parseDomState("shut off (saved)\n"), { power: "stopped", reason: "saved" })
    assert.deepEqual(parseDomState("paused (from snapshot)\n"), { power: "paused", reason: "from snapshot" })
    assert.deepEqual(parseDomState("crashed (panicked)\n"), { power: "crashed", reason: "panicked" })
    assert.equal(parseDomState("in shutdown\n").power, "running")
  })

  it("H3 list --all --title reads names, states with spaces, and titles", () => {
    const output = [
      " Id   Name      State      Title",
      "-----------------------------------",
      " 3    web-1     running    hyperx",
      " -    db-2      shut off   hyperx",
      " -    legacy    shut off   ",
      " 7    other     paused     Someone's VM",
      "",
    ].join("\n")
    assert.deepEqual(parseDomainList(output), [
      { name: "web-1", power: "running", title: "hyperx" },
      { name: "db-2", power: "stopped", title: "hyperx" },
      { name: "legacy", power: "stopped", title: "" },
      { name: "other", power: "paused", title: "Someone's VM" },
    ])
  })

  it("H3 domstats --raw splits domains and keeps every key", () => {
    const stats = parseDomStats(
      [
        "Domain: 'a'",
        "  state.state=1",
        "  cpu.time=5886621000",
        "  block.0.name=vda",
        "",
        "Domain: 'b'",
        "  balloon.current=131072",
        "",
      ].join("\n"),
    )
    assert.deepEqual([...stats.keys()], ["a", "b"])
    assert.equal(statNumber(stats.get("a") ?? {}, "cpu.time"), 5886621000)
    assert.equal(stats.get("a")?.["block.0.name"], "vda")
    assert.equal(statNumber(stats.get("b") ?? {}, "balloon.rss"), undefined)
  })

  it("H3 snapshot-list --name gives one name per line", () => {
    assert.deepEqual(parseNames("s1\nbefore upgrade\n\n"), ["s1", "before upgrade"])
  })

  it("H3 event lines carry domain, kind, detail and libvirt's timestamp", () => {
    const stopped = parseEventLine(
      "2026-11-26 02:50:19.252+0000: event 'lifecycle' for domain 'vm-1': Stopped Shutdown",
    )
    assert.deepEqual(stopped, {
      domain: "vm-1",
      type: "lifecycle",
      detail: "Stopped Shutdown",
      at: new Date("2026-11-26T02:50:19.252Z"),
    })
    const reboot = parseEventLine("2026-11-26 02:50:24.791+0100: event 'reboot' for domain 'vm-1'")
    assert.equal(reboot?.type, "reboot")
    assert.equal(reboot?.detail, "")
    assert.equal(reboot?.at.toISOString(), "2026-11-26T01:50:24.791Z")
    assert.equal(parseEventLine("event loop timed out"), undefined)
  })

  it("H3 live XML gives disk targets with their aliases, the VNC socket and the serial socket", () => {
    const xml = `<domain type='qemu' id='5'>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/d/a&amp;b.qcow2' index='2'/>
      <backingStore type='file' index='3'>
        <source file='/images/base.qcow2'/>
      </backingStore>
      <target dev='vda' bus='virtio'/>
      <alias name='ua-disk-system'/>
    </disk>
    <disk type='file' device='cdrom'>
      <target dev='hdc' bus='ide'/>
      <readonly/>
      <alias name='ua-cdrom0'/>
    </disk>
    <interface type='user'>
      <alias name='ua-nic-nic0'/>
    </interface>
    <serial type='unix'>
      <source mode='bind' path='/run/hx/vm-1/serial.sock'/>
    </serial>
    <graphics type='vnc' socket='/var/lib/libvirt/qemu/domain-5-vm-1/vnc.sock'>
      <listen type='socket' socket='/var/lib/libvirt/qemu/domain-5-vm-1/vnc.sock'/>
    </graphics>
  </devices>
</domain>`
    assert.deepEqual(parseDisks(xml), [
      {
        device: "disk",
        target: "vda",
        bus: "virtio",
        alias: "ua-disk-system",
        source: "/d/a&b.qcow2",
        format: "qcow2",
      },
      { device: "cdrom", target: "hdc", bus: "ide", alias: "ua-cdrom0", source: undefined, format: undefined },
    ])
    assert.deepEqual(parseNicAliases(xml), ["ua-nic-nic0"])
    assert.equal(parseSerialSocket(xml), "/run/hx/vm-1/serial.sock")
    assert.deepEqual(parseVnc(xml), {
      socket: "/var/lib/libvirt/qemu/domain-5-vm-1/vnc.sock",
      host: undefined,
      port: undefined,
      websocket: undefined,
    })
    const tcp = parseVnc(
      "<graphics type='vnc' port='5900' autoport='yes' websocket='5700' listen='127.0.0.1'>\n<listen type='address' address='127.0.0.1'/>\n</graphics>",
    )
    assert.deepEqual(tcp, { socket: undefined, host: "127.0.0.1", port: 5900, websocket: 5700 })
  })

  it("H3 snapshot-dumpxml gives the snapshot's fields, not those of the domain it embeds", () => {
    const snapshot = parseSnapshotXml(`<domainsnapshot>
  <name>s1</name>
  <description>hyperx:memory</description>
  <state>running</state>
  <creationTime>1795661534</creationTime>
  <memory snapshot='internal'/>
  <domain type='qemu'>
    <name>vm-1</name>
    <description>not this one</description>
  </domain>
</domainsnapshot>`)
    assert.deepEqual(snapshot, {
      name: "s1",
      description: "hyperx:memory",
      state: "running",
      createdAt: new Date(1795661534 * 1000),
      memory: "internal",
    })
  })

  it("R9 domjobinfo: fields as printed, sizes in bytes, other figures as numbers", () => {
    const info = parseJobInfo(
      [
        "Job type:         Unbounded   ",
        "Operation:        Outgoing migration",
        "Data processed:   103.199 MiB",
        "Data remaining:   1.500 KiB",
        "Dirty rate:       12           pages/s",
        "Total downtime:   196          ms",
      ].join("\n"),
    )
    assert.equal(info["Job type"], "Unbounded")
    assert.equal(info.Operation, "Outgoing migration")
    assert.equal(jobFigure(info, "Data processed"), Math.round(103.199 * 1024 * 1024))
    assert.equal(jobFigure(info, "Data remaining"), 1536)
    assert.equal(jobFigure(info, "Dirty rate"), 12)
    assert.equal(jobFigure(info, "Total downtime"), 196)
    assert.equal(jobFigure(info, "Expected downtime"), 0)
  })
})

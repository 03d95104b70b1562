import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { withTargetPaths } from "./migration.ts"

const domain = (disk: string, serial: string) => `<domain type='qemu'>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${disk.replaceAll("&", "&amp;").replaceAll("'", "&apos;")}'/>
      <target dev='vda' bus='virtio'/>
      <alias name='ua-disk-system'/>
    </disk>
    <disk type='file' device='cdrom'>
      <target dev='hdc' bus='ide'/>
      <alias name='ua-cdrom0'/>
    </disk>
    <serial type='unix'>
      <source mode='bind' path='${serial}/serial.sock'/>
      <log file='${serial}/serial.log' append='on'/>
      <alias name='serial0'/>
    </serial>
    <console type='unix'>
      <source mode='bind' path='${serial}/serial.sock'/>
    </console>
  </devices>
</domain>`

describe("libvirt migration: the XML the target receives", () => {
  it("R9 takes each disk's file (by alias) and COM1's files from the target's definition", () => {
    const moved = withTargetPaths(domain("/a/vm.qcow2", "/a/s/vm"), domain("/b/vm-t.qcow2", "/b/s/vm"))
    assert.equal(moved, domain("/b/vm-t.qcow2", "/b/s/vm"))
  })

  it("R9 leaves shared storage and an empty CD-ROM as they are", () => {
    const xml = domain("/shared/vm.qcow2", "/s/vm")
    assert.equal(withTargetPaths(xml, xml), xml)
  })

  it("R9 quotes a target path that holds XML's special characters", () => {
    const moved = withTargetPaths(domain("/a/vm.qcow2", "/s"), domain("/b/it's&.qcow2", "/s"))
    assert.match(moved, /<source file='\/b\/it&apos;s&amp;\.qcow2'\/>/)
  })
})

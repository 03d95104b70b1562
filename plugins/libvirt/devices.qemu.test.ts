/**
 * H3 The libvirt driver against libvirtd and the tiny test guest (TCG): guest agent, stats, disk hot-plug, ISO
 * change, a backup of a stopped domain: what the conformance run (conformance.qemu.test.ts) does not check on libvirt.
 * Its lifecycle, consoles, events, re-attach and snapshot reverts are proven there only. Skips when
 * `virsh -c qemu:///system version` does not answer (fails instead with CI=true HYPERX_REQUIRE_LIBVIRT=1).
 */
import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import type { DiskSpec, VmSpec } from "../../core/driver/spec.ts"
import type { LibvirtDriver } from "./driver/driver.ts"
import { guestShell } from "./testing/guest-agent.ts"
import { libvirtGuestProbe as probe } from "./testing/guest-probe.ts"
import {
  cleanUp,
  defineTestVm,
  eventually,
  libvirtUnavailable,
  namePrefix,
  openDriver,
  prepareGuest,
  run,
} from "./testing/setup.ts"
import { parseDisks } from "./virsh/xml-read.ts"

const skip = libvirtUnavailable()
const prefix = namePrefix("dev")
const USER = "hyperx"

describe("libvirt driver: guest agent, stats, hot-plug, ISO, backups", { skip }, () => {
  let dir: string
  let driver: LibvirtDriver
  let close: () => Promise<void>
  let spec: VmSpec

  const ready = () => eventually(`${spec.name} ready`, () => run(probe.ready(driver, spec.name)).then(() => true))
  const write = (path: string, text: string) => run(probe.write(driver, spec.name, path, text))
  const shell = (script: string) => run(guestShell(driver.client, spec.name, script))
  const liveDisks = async () => parseDisks(await run(driver.client.dumpXml(spec.name)))

  before(async () => {
    const prepared = await prepareGuest("hx-lvv-")
    dir = prepared.dir
    ;({ driver, close } = await openDriver({ stateDir: join(dir, "s"), tcgTbCacheMiB: 16 }))
    spec = await defineTestVm(driver, dir, prepared.guest, `${prefix}a`)
    await run(driver.start(spec.name))
    await ready()
  })

  after(async () => {
    await cleanUp(driver, prefix, dir)
    await close?.()
  })

  it("H3 R11 X5 the guest agent sets a password (stored hashed), replaces SSH keys, freezes and thaws, sees /system", async () => {
    await run(driver.guestAgent.ping(spec.name))
    const hashBefore = await run(probe.passwordFingerprint(driver, spec.name, USER))
    await run(driver.guestAgent.setPassword(spec.name, USER, "Hx-Secret-1"))
    const hash = await run(probe.passwordFingerprint(driver, spec.name, USER))
    assert.ok(hash !== undefined && hash !== hashBefore && !hash.includes("Hx-Secret-1"), `shadow holds ${hash}`)
    const keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA1 one@hx", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA2 two@hx"]
    await run(driver.guestAgent.setAuthorizedKeys(spec.name, USER, keys))
    assert.deepEqual(await run(probe.authorizedKeys(driver, spec.name, USER)), keys)
    await run(driver.guestAgent.setAuthorizedKeys(spec.name, USER, keys.slice(1)))
    assert.deepEqual(await run(probe.authorizedKeys(driver, spec.name, USER)), keys.slice(1))
    const frozen = await run(driver.quiesce.freeze(spec.name))
    const thawed = await run(driver.quiesce.thaw(spec.name))
    assert.ok(frozen >= 1 && thawed === frozen, `froze ${frozen}, thawed ${thawed}`)
    const systems = await run(driver.guestAgent.fileSystems(spec.name))
    const system = systems.find((fs) => fs.mountpoint === "/system")
    assert.ok(
      system !== undefined && system.totalBytes > 0 && system.usedBytes <= system.totalBytes,
      JSON.stringify(systems),
    )
  })

  it("H3 M1 stats give CPU, memory from the balloon, the system disk's byte counters and the user-mode NIC's bytes from the guest agent", async () => {
    const first = await run(driver.stats(spec.name))
    // nic0 is on user-mode networking (libvirt counts nothing for it on the host): the guest agent's counters, by
    // MAC. The guest's DHCP at boot went out and came back on it.
    const nic0 = first.nics?.find((nic) => nic.id === "nic0")
    assert.ok(nic0 !== undefined, `stats list NICs ${JSON.stringify(first.nics)}`)
    assert.ok(nic0.rxBytes > 0 && nic0.txBytes > 0, `nic0 rx ${nic0.rxBytes} tx ${nic0.txBytes}`)
    assert.ok(first.cpuPercent >= 0 && first.cpuPercent <= 100, `cpu ${first.cpuPercent}`)
    assert.equal(first.memoryTotalBytes, 128 * 1024 * 1024)
    assert.ok(first.memoryUsedBytes >= 0 && first.memoryUsedBytes <= first.memoryTotalBytes)
    const system = first.disks.find((disk) => disk.id === "system")
    assert.ok(system !== undefined && system.readBytes > 0, JSON.stringify(first.disks))
    const second = await run(driver.stats(spec.name))
    assert.ok(second.at.getTime() >= first.at.getTime())
  })

  it("H3 V2 V3 a data disk hot-plugs (the guest sees /dev/vdb) and unplugs; repeating either is a no-op", async () => {
    const path = join(dir, `${spec.name}-data1.qcow2`)
    await run(driver.volumes.create({ path, format: "qcow2", sizeGiB: 1 }))
    const disk: DiskSpec = { id: "data1", role: "data", path, format: "qcow2", bus: "virtio", readonly: false }
    await run(driver.disks.attach(spec.name, disk))
    await run(driver.disks.attach(spec.name, disk))
    assert.deepEqual(
      (await liveDisks()).filter((d) => d.device === "disk").map((d) => [d.target, d.alias]),
      [
        ["vda", "ua-disk-system"],
        ["vdb", "ua-disk-data1"],
      ],
    )
    await eventually("the guest to see vdb", async () =>
      (await shell("ls /dev/vdb")).includes("vdb") ? true : undefined,
    )
    assert.ok((await run(driver.stats(spec.name))).disks.some((d) => d.id === "data1"))
    await assert.rejects(run(driver.volumes.remove(path)), /is a disk of/)
    await run(driver.disks.detach(spec.name, "data1"))
    await run(driver.disks.detach(spec.name, "data1"))
    assert.ok(!(await liveDisks()).some((d) => d.alias === "ua-disk-data1"))
    const persistent = parseDisks(await run(driver.client.dumpXml(spec.name, { inactive: true })))
    assert.ok(!persistent.some((d) => d.alias === "ua-disk-data1"))
    await run(driver.volumes.remove(path))
  })

  it("H3 X3 an ISO goes into the running domain's CD-ROM and ejects; ejecting an empty drive is a no-op", async () => {
    const iso = join(dir, "media.iso")
    writeFileSync(iso, Buffer.alloc(64 * 1024))
    const cdrom = async () => (await liveDisks()).find((d) => d.device === "cdrom")?.source
    await run(driver.media.insert(spec.name, iso))
    assert.equal(await cdrom(), iso)
    await run(driver.media.insert(spec.name, iso))
    await run(driver.media.eject(spec.name))
    assert.equal(await cdrom(), undefined)
    await run(driver.media.eject(spec.name))
    assert.equal((await run(driver.inspect(spec.name))).power, "running")
  })

  it("H3 V4 a full backup, a change, an increment of the stopped domain: the restored increment holds the change", async () => {
    const file = "/system/hxc/backup"
    const inGuest = "/hxc/backup"
    await write(file, "first")
    const full = join(dir, "backup-full.qcow2")
    await run(driver.backups.full(spec.name, "system", full, { chain: "c1" }))
    await write(file, "second")
    await run(driver.shutdown(spec.name, { force: false, timeoutMs: 60_000 }))
    // stopped: libvirt backs up running domains only, so the driver runs a paused QEMU for the call
    const increment = join(dir, "backup-inc1.qcow2")
    const made = await run(driver.backups.incremental(spec.name, "system", increment, { chain: "c1", previous: full }))
    assert.ok(made.sizeBytes > 0)
    assert.equal((await run(driver.inspect(spec.name))).power, "stopped")
    const stray = join(dir, "backup-inc2.qcow2")
    await assert.rejects(
      run(driver.backups.incremental(spec.name, "system", stray, { chain: "c1", previous: full })),
      /does not end chain c1/,
    )
    const restored = join(dir, "restored.qcow2")
    await run(driver.backups.restore(increment, { path: restored, format: "qcow2", sizeGiB: 1 }))
    execFileSync("qemu-img", ["convert", "-O", "raw", restored, join(dir, "restored.raw")])
    const content = execFileSync("debugfs", ["-R", `cat ${inGuest}`, join(dir, "restored.raw")], { encoding: "utf8" })
    assert.equal(content, "second")
    await run(driver.backups.dropChain(spec.name, "system", "c1"))
    await run(driver.backups.dropChain(spec.name, "system", "c1"))
    await assert.rejects(
      run(driver.backups.incremental(spec.name, "system", stray, { chain: "c1", previous: increment })),
      /no backup chain c1/,
    )
  })
})

import assert from "node:assert/strict"
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { Effect } from "effect"
import type { DiskSpec, NicSpec } from "../../../core/driver/spec.ts"
import { runInGuest } from "../qga/commands/exec.ts"
import {
  defineGuest,
  guestSpec,
  makeTestHost,
  openDriver,
  qemuInstalled,
  type ScopedDriver,
  type TestHost,
  waitForBoot,
} from "./testing.ts"

const skip = qemuInstalled() ? false : "qemu-system-x86_64 / qemu-img not installed"

/** A disc image with a marker at its start (an ide-cd reads any file whose size is a multiple of 2048). */
const writeIso = (path: string, marker: string) => {
  const image = Buffer.alloc(64 * 1024)
  image.write(marker)
  writeFileSync(path, image)
}

describe("QEMU driver: disks, NICs and discs, hot and cold", { skip, timeout: 600_000 }, () => {
  let host: TestHost
  let d: ScopedDriver
  const name = "dev"
  const run = <A, E>(effect: Effect.Effect<A, E, never>) => d.run(effect)
  /** A shell command in the guest: its output, or "exit N" when it failed. */
  const sh = async (script: string) => {
    const result = await run(
      d.driver.withGuestAgent(name, (agent) => runInGuest(agent, { path: "/bin/sh", args: ["-c", script] })),
    )
    return result.exitCode === 0 ? result.stdout.toString().trim() : `exit ${result.exitCode}`
  }
  const blockDevices = () => sh("ls /sys/block | tr '\\n' ' '")
  /** Hot-plug shows in the guest once its kernel handled the ACPI notification: ask until it answers `wanted`. */
  const eventually = async (script: string, wanted: (output: string) => boolean) => {
    const deadline = Date.now() + 30_000
    for (;;) {
      const output = await sh(script)
      if (wanted(output) || Date.now() > deadline) return output
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }

  before(async () => {
    host = await makeTestHost()
    d = await openDriver(host)
    await run(defineGuest(d.driver, host, guestSpec(host, name)))
    await run(d.driver.start(name))
    await waitForBoot(d.driver, name)
  })
  after(async () => {
    await d?.close()
    host?.cleanup()
  })

  it("V2 V3 a data disk hot-plugs into the running guest, and unplugs once the guest lets it go", async () => {
    const path = join(host.diskDir, "hot.qcow2")
    await run(d.driver.volumes.create({ path, format: "qcow2", sizeGiB: 1 }))
    await run(d.driver.volumes.create({ path, format: "qcow2", sizeGiB: 1 }))
    const refused = await run(Effect.flip(d.driver.volumes.create({ path, format: "qcow2", sizeGiB: 2 })))
    assert.equal(refused.reason._tag, "InvalidRequest", "a different volume at a taken path is refused")
    const disk: DiskSpec = { id: "data1", role: "data", path, format: "qcow2", bus: "virtio", readonly: false }
    await run(d.driver.disks.attach(name, disk))
    await run(d.driver.disks.attach(name, disk))
    const serial = await eventually("cat /sys/block/vdb/serial", (output) => output === "data1")
    assert.equal(serial, "data1", "the guest sees the disk with its id as serial")
    assert.ok((await run(d.driver.stats(name))).disks.some((entry) => entry.id === "data1"))
    const inUse = await run(Effect.flip(d.driver.volumes.remove(path)))
    assert.equal(inUse.reason._tag, "InvalidRequest", "a disk of a defined domain is not deleted")

    await run(d.driver.disks.detach(name, "data1"))
    assert.doesNotMatch(await blockDevices(), /vdb/)
    await run(d.driver.disks.detach(name, "data1"))
    assert.ok(!(await run(d.driver.stats(name))).disks.some((entry) => entry.id === "data1"))
    await run(d.driver.volumes.remove(path))
    assert.equal(existsSync(path), false)
    await run(d.driver.volumes.remove(path))
  })

  it("N1 N6 a NIC hot-plugs with its MAC and unplugs", async () => {
    const nic: NicSpec = { id: "nic9", mac: "52:54:00:00:10:99", backing: { kind: "user", hostForwards: [] } }
    await run(d.driver.nics.attach(name, nic))
    await run(d.driver.nics.attach(name, nic))
    const macs = await eventually("cat /sys/class/net/*/address", (output) => output.includes("52:54:00:00:10:99"))
    assert.match(macs, /52:54:00:00:10:99/)
    const clash = await run(Effect.flip(d.driver.nics.attach(name, { ...nic, id: "nic8" })))
    assert.equal(clash.reason._tag, "InvalidRequest", "a second NIC with the same MAC is refused")
    await run(d.driver.nics.detach(name, "nic9"))
    assert.doesNotMatch(await sh("cat /sys/class/net/*/address"), /52:54:00:00:10:99/)
    await run(d.driver.nics.detach(name, "nic9"))
  })

  it("X3 a disc goes into the running guest's CD-ROM, swaps, and ejects", async () => {
    const first = join(host.diskDir, "first.iso")
    const second = join(host.diskDir, "second.iso")
    writeIso(first, "HYPERX-DISC-ONE")
    writeIso(second, "HYPERX-DISC-TWO")
    // The guest learns of a media change at its next access (a UNIT ATTENTION), so ask until it answers.
    const readDisc = (wanted: (output: string) => boolean) => eventually("head -c 15 /dev/sr0 2>&1", wanted)
    await run(d.driver.media.insert(name, first))
    assert.equal(await readDisc((output) => output === "HYPERX-DISC-ONE"), "HYPERX-DISC-ONE")
    await run(d.driver.media.insert(name, second))
    assert.equal(await readDisc((output) => output === "HYPERX-DISC-TWO"), "HYPERX-DISC-TWO")
    await run(d.driver.media.eject(name))
    assert.match(await readDisc((output) => output.startsWith("exit")), /^exit /, "an empty drive cannot be read")
    await run(d.driver.media.eject(name))
  })

  it("V1 X3 a stopped domain takes disks and discs into its definition for the next start", async () => {
    await run(d.driver.shutdown(name, { force: true, timeoutMs: 0 }))
    const path = join(host.diskDir, "cold.qcow2")
    await run(d.driver.volumes.create({ path, format: "qcow2", sizeGiB: 1 }))
    await run(
      d.driver.disks.attach(name, { id: "data2", role: "data", path, format: "qcow2", bus: "virtio", readonly: false }),
    )
    const disc = join(host.diskDir, "cold.iso")
    writeIso(disc, "HYPERX-DISC-OLD")
    await run(d.driver.media.insert(name, disc))
    await run(d.driver.start(name))
    await waitForBoot(d.driver, name)
    assert.equal(await sh("cat /sys/block/vdb/serial"), "data2")
    assert.equal(await sh("head -c 15 /dev/sr0"), "HYPERX-DISC-OLD")
    const sata = await run(
      Effect.flip(
        d.driver.disks.attach(name, {
          id: "data3",
          role: "data",
          path: join(host.diskDir, "x.qcow2"),
          format: "qcow2",
          bus: "sata",
          readonly: false,
        }),
      ),
    )
    assert.equal(sata.reason._tag, "InvalidRequest", "only virtio disks hot-plug")
  })
})

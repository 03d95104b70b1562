/**
 * X4 on real QEMU, seen from inside the guest: a USB stick (an emulated usb-storage backed by an ext4 image this test
 * makes) is hot-plugged through the driver's own USB path (plugUsb: device_add on the VM's xhci controller, the path
 * hostDevices.attach takes for usb-host) and unplugged through unplugUsb. The guest is the USB variant (USB_GUEST:
 * Debian's generic kernel with xhci and usb-storage as modules; the cloud kernel of every other test has no USB).
 * It lists the device under /sys/bus/usb/devices, gets a SCSI disk behind it, reads the file, then sees both go.
 */
import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { Effect } from "effect"
import { USB_GUEST } from "../guest/recipe.ts"
import { blockdevAdd, blockdevDel } from "../qmp/commands/block.ts"
import {
  defineGuest,
  guestShell,
  guestSpec,
  makeTestHost,
  openDriver,
  qemuInstalled,
  type ScopedDriver,
  type TestHost,
  waitForBoot,
} from "./testing.ts"
import { plugUsb, unplugUsb } from "./usb-hotplug.ts"

const skip = qemuInstalled() ? false : "qemu-system-x86_64 / qemu-img not installed"

/** QEMU's usb-storage introduces itself as vendor 46f4, product 0001, "QEMU USB HARDDRIVE". */
const STICK = "46f4:0001 QEMU USB HARDDRIVE"

describe("QEMU driver: a USB device hot-plugged and unplugged, seen by the guest (X4)", {
  skip,
  timeout: 600_000,
}, () => {
  let host: TestHost
  let d: ScopedDriver
  const name = "usbguest"
  const run = <A, E>(effect: Effect.Effect<A, E, never>) => d.run(effect)
  /** A shell command in the guest: its output, or the failure's message (a mount of a disk not there yet fails). */
  const sh = (script: string) =>
    run(
      guestShell(d.driver, name, script).pipe(
        Effect.map((output) => output.trim()),
        Effect.catch((error) => Effect.succeed(`exit: ${String(error)}`)),
      ),
    )
  /** The guest's kernel enumerates a new USB device in its own time: ask until it answers `wanted`. */
  const eventually = async (script: string, wanted: (output: string) => boolean) => {
    const deadline = Date.now() + 60_000
    for (;;) {
      const output = await sh(script)
      if (wanted(output) || Date.now() > deadline) return output
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
  // lsusb's view, from sysfs (busybox has no lsusb): "vendor:product product-name" per device, root hubs included
  const usbDevices =
    'for d in /sys/bus/usb/devices/*; do [ -f "$d/idVendor" ] && echo "$(cat $d/idVendor):$(cat $d/idProduct) $(cat $d/product 2>/dev/null)"; done; true'
  // SCSI disks whose sysfs path runs through the USB bus
  const usbDisks = 'for b in /sys/block/sd*; do readlink -f "$b" | grep -q /usb && basename "$b"; done; true'

  before(async () => {
    host = await makeTestHost(USB_GUEST)
    d = await openDriver(host)
    await run(defineGuest(d.driver, host, guestSpec(host, name)))
    await run(d.driver.start(name))
    await waitForBoot(d.driver, name)
  })
  after(async () => {
    await d?.close()
    host?.cleanup()
  })

  it("X4 the guest sees the stick appear (USB device, disk, label, file) and go", async () => {
    assert.equal(await sh("cat /run/modules.log 2>/dev/null"), "", "every module of the USB guest loaded")
    const before = await sh(usbDevices)
    assert.match(before, /^1d6b:/m, "the guest's xhci driver found QEMU's controller (a Linux root hub, vendor 1d6b)")
    assert.doesNotMatch(before, new RegExp(STICK))
    assert.equal(await sh(usbDisks), "")

    const files = join(host.stateDir, "stick")
    mkdirSync(files)
    writeFileSync(join(files, "hello.txt"), "hello from the usb stick\n")
    const image = join(host.diskDir, "stick.raw")
    execFileSync("mkfs.ext4", ["-q", "-F", "-L", "HXSTICK", "-d", files, image, "16M"])

    await run(
      d.driver.withMonitor(name, (monitor) =>
        Effect.gen(function* () {
          yield* blockdevAdd(monitor, { driver: "file", "node-name": "stick-file", filename: image })
          yield* blockdevAdd(monitor, { driver: "raw", "node-name": "stick", file: "stick-file" })
          yield* plugUsb(monitor, { driver: "usb-storage", id: "usb-stick", drive: "stick" })
        }),
      ),
    )
    assert.match(await eventually(usbDevices, (out) => out.includes(STICK)), new RegExp(STICK))
    const disk = await eventually(usbDisks, (out) => /^sd[a-z]$/.test(out))
    assert.match(disk, /^sd[a-z]$/, "a SCSI disk behind the USB bus")
    const read = await eventually(
      `mkdir -p /mnt/stick && mount -r /dev/${disk} /mnt/stick && cat /mnt/stick/hello.txt && umount /mnt/stick`,
      (out) => !out.startsWith("exit"),
    )
    assert.equal(read, "hello from the usb stick")
    assert.equal(await sh(`findfs LABEL=HXSTICK`), `/dev/${disk}`)

    await run(
      d.driver.withMonitor(name, (monitor) =>
        Effect.gen(function* () {
          yield* unplugUsb(monitor, "usb-stick")
          yield* blockdevDel(monitor, "stick")
          yield* blockdevDel(monitor, "stick-file")
        }),
      ),
    )
    assert.equal(await eventually(usbDevices, (out) => !out.includes(STICK)), before, "the stick left the USB bus")
    assert.equal(await eventually(usbDisks, (out) => out === ""), "", "and its disk went with it")
  })
})

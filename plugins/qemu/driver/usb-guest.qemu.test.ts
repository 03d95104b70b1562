/**
 * X4 on real QEMU, seen from inside the guest: a USB stick (an emulated usb-storage backed by an ext4 image this test
 * makes) is hot-plugged through the driver's own USB path (plugUsb: device_add on the VM's xhci controller, the path
 * hostDevices.attach takes for usb-host) and unplugged through unplugUsb. The guest is the USB variant (USB_GUEST:
 * Debian's generic kernel with xhci and usb-storage as modules; the cloud kernel of every other test has no USB).
 * It lists the device under /sys/bus/usb/devices, gets a SCSI disk behind it, reads the file, then sees both go.
 */
import assert from "node:assert/strict"
import { after, before, describe, it } from "node:test"
import { Effect } from "effect"
import { USB_GUEST } from "../guest/recipe.ts"
import {
  GUEST_USB_DEVICES,
  GUEST_USB_DISKS,
  makeStickImage,
  readStick,
  USB_STICK,
  USB_STICK_LABEL,
  USB_STICK_TEXT,
} from "../guest/usb-testing.ts"
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
    const before = await sh(GUEST_USB_DEVICES)
    assert.match(before, /^1d6b:/m, "the guest's xhci driver found QEMU's controller (a Linux root hub, vendor 1d6b)")
    assert.doesNotMatch(before, new RegExp(USB_STICK))
    assert.equal(await sh(GUEST_USB_DISKS), "")

    const image = makeStickImage(host.diskDir)

    await run(
      d.driver.withMonitor(name, (monitor) =>
        Effect.gen(function* () {
          yield* blockdevAdd(monitor, { driver: "file", "node-name": "stick-file", filename: image })
          yield* blockdevAdd(monitor, { driver: "raw", "node-name": "stick", file: "stick-file" })
          yield* plugUsb(monitor, { driver: "usb-storage", id: "usb-stick", drive: "stick" })
        }),
      ),
    )
    assert.match(await eventually(GUEST_USB_DEVICES, (out) => out.includes(USB_STICK)), new RegExp(USB_STICK))
    const disk = await eventually(GUEST_USB_DISKS, (out) => /^sd[a-z]$/.test(out))
    assert.match(disk, /^sd[a-z]$/, "a SCSI disk behind the USB bus")
    const read = await eventually(readStick(disk), (out) => !out.startsWith("exit"))
    assert.equal(read, USB_STICK_TEXT)
    assert.equal(await sh(`findfs LABEL=${USB_STICK_LABEL}`), `/dev/${disk}`)

    await run(
      d.driver.withMonitor(name, (monitor) =>
        Effect.gen(function* () {
          yield* unplugUsb(monitor, "usb-stick")
          yield* blockdevDel(monitor, "stick")
          yield* blockdevDel(monitor, "stick-file")
        }),
      ),
    )
    assert.equal(
      await eventually(GUEST_USB_DEVICES, (out) => !out.includes(USB_STICK)),
      before,
      "the stick left the USB bus",
    )
    assert.equal(await eventually(GUEST_USB_DISKS, (out) => out === ""), "", "and its disk went with it")
  })
})

/**
 * X1 X4 under libvirt (TCG): what this machine can prove of passthrough. (1) The USB path seen from inside the guest:
 * an emulated USB stick (a `<disk bus='usb'>` on an ext4 image this test makes) goes through the same client call the
 * hostDevices group uses (`virsh attach-device --live` / `detach-device-alias --live`) onto the domain's qemu-xhci
 * controller, and the USB guest (USB_GUEST: Debian's generic kernel with xhci and usb-storage) lists it, reads its
 * file, then sees it go. (2) The hostDevices group itself: a host USB device by ids and a GPU by PCI address join a
 * stopped domain's definition as `<hostdev>` and leave it; a running domain refuses the GPU; a host USB device this
 * host does not have is refused by libvirt at hot-plug and the domain stays as it was. Not provable here: a real
 * host device reaching the guest (no USB devices, no IOMMU).
 */
import assert from "node:assert/strict"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { Effect } from "effect"
import type { DeviceSpec, VmSpec } from "../../core/driver/spec.ts"
import { USB_GUEST } from "../qemu/guest/recipe.ts"
import {
  GUEST_USB_DEVICES,
  GUEST_USB_DISKS,
  makeStickImage,
  readStick,
  USB_STICK,
  USB_STICK_LABEL,
  USB_STICK_TEXT,
} from "../qemu/guest/usb-testing.ts"
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
  type TestGuest,
} from "./testing/setup.ts"
import { parseHostDeviceAliases } from "./virsh/xml-read.ts"
import { hostDeviceAlias } from "./xml/names.ts"

const skip = libvirtUnavailable()
const prefix = namePrefix("usb")

describe("libvirt driver: USB seen by the guest, the hostDevices group (X1, X4)", { skip, timeout: 600_000 }, () => {
  let dir: string
  let guest: TestGuest
  let driver: LibvirtDriver
  let close: () => Promise<void>
  let spec: VmSpec

  const sh = (script: string) =>
    run(
      guestShell(driver.client, spec.name, script).pipe(
        Effect.map((output) => output.trim()),
        Effect.catch((error) => Effect.succeed(`exit: ${String(error)}`)),
      ),
    )
  const until = (script: string, wanted: (output: string) => boolean) =>
    eventually(
      `${script} answers as wanted`,
      async () => {
        const output = await sh(script)
        return wanted(output) ? output : undefined
      },
      60_000,
    )
  const hostdevs = async (name: string, inactive: boolean) =>
    parseHostDeviceAliases(await run(driver.client.dumpXml(name, { inactive })))

  before(async () => {
    ;({ dir, guest } = await prepareGuest("hx-lvu-", USB_GUEST))
    ;({ driver, close } = await openDriver({ stateDir: join(dir, "s"), tcgTbCacheMiB: 16 }))
    spec = await defineTestVm(driver, dir, guest, `${prefix}a`)
    await run(driver.start(spec.name))
    await eventually(`${spec.name} ready`, () => run(probe.ready(driver, spec.name)).then(() => true))
  })
  after(async () => {
    await cleanUp(driver, prefix, dir)
    await close?.()
  })

  it("X4 an emulated USB stick attached live on the domain's xhci controller: the guest sees it, reads it, sees it go", async () => {
    const before = await until(GUEST_USB_DEVICES, (out) => /^1d6b:/m.test(out))
    assert.doesNotMatch(before, new RegExp(USB_STICK))
    const image = makeStickImage(dir)
    const stick = `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${image}'/>
      <target dev='sda' bus='usb'/><alias name='ua-stick'/></disk>`
    await run(driver.client.attachDevice(spec.name, stick, { live: true, config: false }))
    assert.match(await until(GUEST_USB_DEVICES, (out) => out.includes(USB_STICK)), new RegExp(USB_STICK))
    const disk = await until(GUEST_USB_DISKS, (out) => /^sd[a-z]$/.test(out))
    const read = await until(readStick(disk), (out) => !out.startsWith("exit"))
    assert.equal(read, USB_STICK_TEXT)
    assert.equal(await sh(`findfs LABEL=${USB_STICK_LABEL}`), `/dev/${disk}`)
    await run(driver.client.detachDeviceAlias(spec.name, "ua-stick", { live: true, config: false }))
    assert.equal(
      await until(GUEST_USB_DEVICES, (out) => !out.includes(USB_STICK)),
      before,
      "the stick left the USB bus",
    )
    assert.equal(await until(GUEST_USB_DISKS, (out) => out === ""), "", "and its disk went with it")
  })

  it("X1 X4 hostdevs join and leave a stopped domain's definition; a running one refuses a GPU and an absent USB device", async () => {
    const usb: DeviceSpec = { id: "key-1", kind: "usb", hostAddress: "1-2", vendorId: "0781", productId: "5581" }
    const gpu: DeviceSpec = { id: "gpu-1", kind: "gpu", hostAddress: "0000:01:00.0" }
    const stopped = await defineTestVm(driver, dir, guest, `${prefix}b`)
    await run(driver.hostDevices.attach(stopped.name, usb))
    await run(driver.hostDevices.attach(stopped.name, usb))
    await run(driver.hostDevices.attach(stopped.name, gpu))
    const config = await run(driver.client.dumpXml(stopped.name, { inactive: true }))
    assert.deepEqual(parseHostDeviceAliases(config), [hostDeviceAlias(usb.id), hostDeviceAlias(gpu.id)])
    assert.match(config, /<hostdev mode='subsystem' type='usb' managed='yes'>\s*<source>\s*<vendor id='0x0781'\/>/)
    assert.match(config, /<address domain='0x0000' bus='0x01' slot='0x00' function='0x0'\/>/)
    await run(driver.hostDevices.detach(stopped.name, gpu.id))
    await run(driver.hostDevices.detach(stopped.name, usb.id))
    await run(driver.hostDevices.detach(stopped.name, usb.id))
    assert.deepEqual(await hostdevs(stopped.name, true), [])

    const gpuRefused = await run(Effect.flip(driver.hostDevices.attach(spec.name, gpu)))
    assert.equal(gpuRefused.reason._tag, "InvalidRequest")
    const absent = await run(Effect.flip(driver.hostDevices.attach(spec.name, usb)))
    // a host with a USB bus: "Did not find USB device 0781:5581"; this lab's hosts have none at all
    assert.match(absent.message, /USB device 0781:5581|\/sys\/bus\/usb/i, "libvirt says why it cannot")
    assert.deepEqual(await hostdevs(spec.name, false), [], "nothing joined the running domain")
    assert.deepEqual(await hostdevs(spec.name, true), [], "nor its definition")
  })
})

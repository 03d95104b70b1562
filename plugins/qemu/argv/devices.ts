import type { DeviceSpec, VmSpec } from "../../../core/driver/spec.ts"
import { FIXED_IDS, hostDeviceId } from "./names.ts"
import { keyValues, type QemuOption } from "./options.ts"

/** Seconds between the balloon driver's memory reports (qom-get balloon0 guest-stats). */
export const BALLOON_STATS_INTERVAL_S = 5

/** Memory balloon with statistics, and the USB controller that USB passthrough and the tablet hang on. */
export const baseDeviceOptions = (): ReadonlyArray<QemuOption> => [
  [
    "-device",
    keyValues("virtio-balloon-pci", [
      ["id", FIXED_IDS.balloon],
      ["guest-stats-polling-interval", BALLOON_STATS_INTERVAL_S],
    ]),
  ],
  ["-device", keyValues("qemu-xhci", [["id", FIXED_IDS.usb]])],
]

/** "1-2.3" (bus 1, port path 2.3) → hostbus=1, hostport=2.3, as sysfs names USB devices. */
export const parseUsbAddress = (address: string) => {
  const match = /^(\d+)-(\d+(?:\.\d+)*)$/.exec(address)
  return match === null ? undefined : { bus: Number(match[1]), port: match[2] ?? "" }
}

const PCI_ADDRESS = /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/
export const isPciAddress = (address: string) => PCI_ADDRESS.test(address)

/** Ids as numbers: QMP's device_add takes usb-host's vendorid/productid as integers (the command line too). */
const idProperty = (id: string | undefined) => (id === undefined ? undefined : Number.parseInt(id, 16))

/**
 * usb-host's properties: by the host bus and port it is plugged into (so a replug into the same port is the same
 * device), or by vendor and product ids when the address is not a bus-port. The same properties go on the command
 * line and into QMP's device_add, so a hot-plugged device is the one a restart re-creates.
 */
export const usbHostProperties = (device: DeviceSpec) => {
  const usb = parseUsbAddress(device.hostAddress)
  return {
    driver: "usb-host",
    bus: `${FIXED_IDS.usb}.0`,
    ...(usb === undefined
      ? { vendorid: idProperty(device.vendorId), productid: idProperty(device.productId) }
      : { hostbus: usb.bus, hostport: usb.port }),
    id: hostDeviceId(device.id),
  }
}

/** Passthrough: a GPU (every function bound to vfio-pci on the host) by its PCI address; a USB device (above). */
const passthrough = (device: DeviceSpec): QemuOption => {
  const id = hostDeviceId(device.id)
  if (device.kind === "gpu")
    return [
      "-device",
      keyValues("vfio-pci", [
        ["host", device.hostAddress],
        ["id", id],
      ]),
    ]
  const { driver, ...properties } = usbHostProperties(device)
  return ["-device", keyValues(driver, Object.entries(properties))]
}

export const passthroughOptions = (spec: VmSpec): ReadonlyArray<QemuOption> => spec.devices.map(passthrough)

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

/**
 * Passthrough: a GPU (any PCI function bound to vfio-pci on the host) by its PCI address, a USB device by the
 * host bus and port it is plugged into (so a replug into the same port is the same device).
 */
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
  const usb = parseUsbAddress(device.hostAddress)
  return [
    "-device",
    keyValues("usb-host", [
      ["bus", `${FIXED_IDS.usb}.0`],
      ["hostbus", usb?.bus],
      ["hostport", usb?.port],
      ["id", id],
    ]),
  ]
}

export const passthroughOptions = (spec: VmSpec): ReadonlyArray<QemuOption> => spec.devices.map(passthrough)

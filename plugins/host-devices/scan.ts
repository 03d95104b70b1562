import { Effect } from "effect"
import {
  type FoundDevice,
  isDisplayClass,
  isUsbDeviceName,
  isUsbHubClass,
  pciVendorName,
} from "../../core/devices/inventory.ts"
import type { Sysfs } from "./files.ts"

const hexId = (value: string | null) => (value ?? "").replace(/^0x/i, "").toLowerCase()

/** Display-class PCI functions (GPUs) with their IOMMU group and bound driver. */
const scanPci = (sysfs: Sysfs) =>
  Effect.gen(function* () {
    const root = sysfs.path("bus", "pci", "devices")
    const found: Array<FoundDevice> = []
    for (const address of yield* sysfs.list("scan", root)) {
      const folder = `${root}/${address}`
      const pciClass = yield* sysfs.read("scan", `${folder}/class`)
      if (pciClass === null || !isDisplayClass(pciClass)) continue
      const vendorId = hexId(yield* sysfs.read("scan", `${folder}/vendor`))
      const productId = hexId(yield* sysfs.read("scan", `${folder}/device`))
      found.push({
        kind: "gpu",
        address,
        vendorId,
        productId,
        vendor: pciVendorName(vendorId),
        model: (yield* sysfs.read("scan", `${folder}/label`)) ?? `device ${productId}`,
        iommuGroup: yield* sysfs.linkName("scan", `${folder}/iommu_group`),
        driver: yield* sysfs.linkName("scan", `${folder}/driver`),
      })
    }
    return found
  })

/** USB devices by bus-port (hubs and root hubs left out), with the driver of their first interface. */
const scanUsb = (sysfs: Sysfs) =>
  Effect.gen(function* () {
    const root = sysfs.path("bus", "usb", "devices")
    const names = yield* sysfs.list("scan", root)
    const found: Array<FoundDevice> = []
    for (const address of names.filter(isUsbDeviceName)) {
      const folder = `${root}/${address}`
      if (isUsbHubClass((yield* sysfs.read("scan", `${folder}/bDeviceClass`)) ?? "")) continue
      const vendorId = hexId(yield* sysfs.read("scan", `${folder}/idVendor`))
      const productId = hexId(yield* sysfs.read("scan", `${folder}/idProduct`))
      const firstInterface = names.find((name) => name.startsWith(`${address}:`))
      found.push({
        kind: "usb",
        address,
        vendorId,
        productId,
        vendor: (yield* sysfs.read("scan", `${folder}/manufacturer`)) ?? `USB ${vendorId}`,
        model: (yield* sysfs.read("scan", `${folder}/product`)) ?? `device ${productId}`,
        iommuGroup: null,
        driver: firstInterface === undefined ? null : yield* sysfs.linkName("scan", `${root}/${firstInterface}/driver`),
      })
    }
    return found
  })

/** Every passthrough candidate of the host: GPUs first, then USB devices, each in address order. */
export const scanDevices = (sysfs: Sysfs) =>
  Effect.map(Effect.all([scanPci(sysfs), scanUsb(sysfs)]), ([gpus, usb]) => [...gpus, ...usb])

import type { HostDevice, HostDeviceKind } from "../model/host.ts"

/** A passthrough candidate as a host reports it (sysfs on Linux), before it is recorded. */
export interface FoundDevice {
  readonly kind: HostDeviceKind
  /** PCI address (0000:01:00.0) or USB bus-port path (1-2.3): stable across reboots while nothing is moved. */
  readonly address: string
  /** Hex ids without "0x": PCI vendor/device, USB idVendor/idProduct. */
  readonly vendorId: string
  readonly productId: string
  readonly vendor: string
  readonly model: string
  /** GPUs: the IOMMU group; null when the host has no IOMMU (then the GPU cannot be passed through). */
  readonly iommuGroup: string | null
  /** The host driver bound now (nvidia, amdgpu, vfio-pci, usb-storage, …), or null. */
  readonly driver: string | null
}

/** PCI class 0x03xxxx: display controllers (VGA 0x0300, 3D 0x0302, other 0x0380). */
export const isDisplayClass = (pciClass: string) => /^(0x)?03[0-9a-f]{4}$/i.test(pciClass.trim())

/** USB device directories are "BUS-PORT[.PORT…]"; interfaces ("1-2:1.0") and root hubs ("usb1") are not devices. */
export const isUsbDeviceName = (name: string) => /^\d+-\d+(\.\d+)*$/.test(name)

/** USB hubs (class 09) carry other devices and are never given to a VM. */
export const isUsbHubClass = (deviceClass: string) => /^(0x)?09$/i.test(deviceClass.trim())

const KNOWN_PCI_VENDORS: Readonly<Record<string, string>> = {
  "10de": "NVIDIA",
  "1002": "AMD",
  "8086": "Intel",
  "1af4": "Red Hat (virtio)",
  "1234": "QEMU",
  "1b36": "Red Hat (QEMU)",
  "15ad": "VMware",
  "102b": "Matrox",
  "1a03": "ASPEED",
}

/** A readable vendor for a PCI id (sysfs gives ids only; the full pci.ids database is not shipped). */
export const pciVendorName = (vendorId: string) => KNOWN_PCI_VENDORS[vendorId.toLowerCase()] ?? `PCI ${vendorId}`

/** GPUs of one model are interchangeable for X1: a VM asks for a model and a count. */
export const gpuModelKey = (device: Pick<HostDevice, "vendorId" | "productId">) =>
  `${device.vendorId}:${device.productId}`

/** What a refresh does to the recorded devices of one host. */
export interface InventoryChanges {
  readonly insert: ReadonlyArray<FoundDevice>
  readonly update: ReadonlyArray<{ readonly id: string; readonly found: FoundDevice }>
  /** Gone from the host and attached to no VM: forgotten. */
  readonly remove: ReadonlyArray<string>
  /** Gone from the host while a VM holds them: kept, marked absent, so the VM's record still names them. */
  readonly absent: ReadonlyArray<string>
}

const sameFacts = (stored: HostDevice, found: FoundDevice) =>
  stored.kind === found.kind &&
  stored.vendorId === found.vendorId &&
  stored.productId === found.productId &&
  stored.vendor === found.vendor &&
  stored.model === found.model &&
  stored.iommuGroup === found.iommuGroup &&
  stored.driver === found.driver &&
  stored.present

/** Devices are matched by address; a device at a known address with other facts is updated, its VM kept. */
export const inventoryChanges = (
  stored: ReadonlyArray<HostDevice>,
  found: ReadonlyArray<FoundDevice>,
): InventoryChanges => {
  const byAddress = new Map(stored.map((device) => [device.address, device]))
  const foundAddresses = new Set(found.map((device) => device.address))
  const gone = stored.filter((device) => !foundAddresses.has(device.address))
  return {
    insert: found.filter((device) => !byAddress.has(device.address)),
    update: found.flatMap((device) => {
      const known = byAddress.get(device.address)
      return known === undefined || sameFacts(known, device) ? [] : [{ id: known.id, found: device }]
    }),
    remove: gone.filter((device) => device.vmId === null).map((device) => device.id),
    absent: gone.filter((device) => device.vmId !== null && device.present).map((device) => device.id),
  }
}

/**
 * X1, X4: a device a VM can be given now: held by none, still on the host, and for a GPU in an IOMMU group (without
 * one the host cannot isolate it; QEMU's own VGA on a lab host is such a GPU).
 */
export const isFreeForPassthrough = (device: Pick<HostDevice, "kind" | "vmId" | "present" | "iommuGroup">) =>
  device.vmId === null && device.present && (device.kind !== "gpu" || device.iommuGroup !== null)

import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface FakePci {
  readonly address: string
  readonly pciClass: string
  readonly vendor: string
  readonly device: string
  /** Null: the host has no IOMMU (as on these lab machines). */
  readonly iommuGroup: string | null
  readonly driver: string | null
}

export interface FakeUsb {
  readonly address: string
  readonly idVendor: string
  readonly idProduct: string
  readonly manufacturer?: string
  readonly product?: string
  readonly deviceClass?: string
  readonly driver?: string
}

/**
 * A sysfs tree in a temporary folder, shaped as the kernel's: /sys/bus/pci/devices/ADDR with class, vendor, device,
 * driver_override and the `driver` and `iommu_group` links; /sys/kernel/iommu_groups/N/devices; the drivers'
 * bind/unbind files; /sys/bus/usb/devices/BUS-PORT with its ids and an interface BUS-PORT:1.0 bound to a driver.
 * Writes land in plain files, so a test reads back exactly what was written.
 */
export const makeFakeSysfs = (pci: ReadonlyArray<FakePci>, usb: ReadonlyArray<FakeUsb>, vfioLoaded = true) => {
  const root = mkdtempSync(join(tmpdir(), "hx-sysfs-"))
  const sys = (...parts: ReadonlyArray<string>) => join(root, "sys", ...parts)
  const file = (path: string, text: string) => {
    mkdirSync(join(path, ".."), { recursive: true })
    writeFileSync(path, text)
  }
  const driverFolder = (bus: string, name: string) => {
    const folder = sys("bus", bus, "drivers", name)
    mkdirSync(folder, { recursive: true })
    writeFileSync(join(folder, "bind"), "")
    writeFileSync(join(folder, "unbind"), "")
    return folder
  }
  if (vfioLoaded) driverFolder("pci", "vfio-pci")
  file(sys("bus", "pci", "drivers_probe"), "")
  mkdirSync(sys("bus", "pci", "devices"), { recursive: true })
  mkdirSync(sys("bus", "usb", "devices"), { recursive: true })
  for (const device of pci) {
    const folder = sys("bus", "pci", "devices", device.address)
    file(join(folder, "class"), `${device.pciClass}\n`)
    file(join(folder, "vendor"), `0x${device.vendor}\n`)
    file(join(folder, "device"), `0x${device.device}\n`)
    file(join(folder, "driver_override"), "(null)\n")
    if (device.driver !== null) symlinkSync(driverFolder("pci", device.driver), join(folder, "driver"))
    if (device.iommuGroup !== null) {
      const group = sys("kernel", "iommu_groups", device.iommuGroup)
      mkdirSync(join(group, "devices"), { recursive: true })
      symlinkSync(folder, join(group, "devices", device.address))
      symlinkSync(group, join(folder, "iommu_group"))
    }
  }
  for (const device of usb) {
    const folder = sys("bus", "usb", "devices", device.address)
    file(join(folder, "idVendor"), `${device.idVendor}\n`)
    file(join(folder, "idProduct"), `${device.idProduct}\n`)
    file(join(folder, "bDeviceClass"), `${device.deviceClass ?? "00"}\n`)
    if (device.manufacturer !== undefined) file(join(folder, "manufacturer"), `${device.manufacturer}\n`)
    if (device.product !== undefined) file(join(folder, "product"), `${device.product}\n`)
    const iface = sys("bus", "usb", "devices", `${device.address}:1.0`)
    mkdirSync(iface, { recursive: true })
    if (device.driver !== undefined) symlinkSync(driverFolder("usb", device.driver), join(iface, "driver"))
  }
  // a root hub, which is never a candidate
  mkdirSync(sys("bus", "usb", "devices", "usb1"), { recursive: true })
  return {
    root,
    /** A written attribute as the test sees it. */
    read: (...parts: ReadonlyArray<string>) => readFileSync(sys(...parts), "utf8"),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  }
}

export type FakeSysfs = ReturnType<typeof makeFakeSysfs>

/** A lab host as a user's real one would look: a GPU (with its audio function) in IOMMU group 12, a USB key. */
export const gpuHostTree = (options: { readonly iommu?: boolean; readonly vfioLoaded?: boolean } = {}) =>
  makeFakeSysfs(
    [
      { address: "0000:00:02.0", pciClass: "0x030000", vendor: "1234", device: "1111", iommuGroup: null, driver: null },
      {
        address: "0000:01:00.0",
        pciClass: "0x030200",
        vendor: "10de",
        device: "1eb8",
        iommuGroup: options.iommu === false ? null : "12",
        driver: "nvidia",
      },
      {
        address: "0000:01:00.1",
        pciClass: "0x040300",
        vendor: "10de",
        device: "10fa",
        iommuGroup: options.iommu === false ? null : "12",
        driver: "snd_hda_intel",
      },
      {
        address: "0000:00:1f.2",
        pciClass: "0x010601",
        vendor: "8086",
        device: "2922",
        iommuGroup: null,
        driver: "ahci",
      },
    ],
    [
      {
        address: "1-2",
        idVendor: "0781",
        idProduct: "5581",
        manufacturer: "SanDisk",
        product: "Ultra",
        driver: "usb-storage",
      },
      { address: "1-3", idVendor: "05e3", idProduct: "0610", product: "Hub", deviceClass: "09", driver: "hub" },
      { address: "2-1.4", idVendor: "1050", idProduct: "0407", manufacturer: "Yubico", product: "YubiKey" },
    ],
    options.vfioLoaded ?? true,
  )

import { Effect } from "effect"
import { deviceFailure, type Sysfs } from "./files.ts"

const VFIO = "vfio-pci"

/**
 * The functions that go to a VM together: every PCI function of the device's IOMMU group (a GPU's audio function
 * shares its group), as the kernel's VFIO documentation requires; bridges stay with the host.
 */
const groupFunctions = (sysfs: Sysfs, operation: string, address: string) =>
  Effect.gen(function* () {
    const group = yield* sysfs.linkName(operation, sysfs.path("bus", "pci", "devices", address, "iommu_group"))
    if (group === null) {
      return yield* deviceFailure(operation, `${address} has no IOMMU group: this host cannot pass it through`)
    }
    const members = yield* sysfs.list(operation, sysfs.path("kernel", "iommu_groups", group, "devices"))
    const functions: Array<string> = []
    for (const member of members.length === 0 ? [address] : members) {
      const pciClass = yield* sysfs.read(operation, sysfs.path("bus", "pci", "devices", member, "class"))
      if (pciClass !== null && /^(0x)?0604/i.test(pciClass)) continue
      functions.push(member)
    }
    return functions
  })

/**
 * Hands a PCI function to vfio-pci, by the kernel's documented sequence: `driver_override` names vfio-pci, the bound
 * driver lets go (`driver/unbind`), vfio-pci takes it (`drivers/vfio-pci/bind`). One already on vfio-pci is left.
 */
const bindOne = (sysfs: Sysfs, address: string) =>
  Effect.gen(function* () {
    const device = sysfs.path("bus", "pci", "devices", address)
    const driver = yield* sysfs.linkName("vfio.bind", `${device}/driver`)
    if (driver === VFIO) return
    yield* sysfs.write("vfio.bind", `${device}/driver_override`, VFIO)
    if (driver !== null) yield* sysfs.write("vfio.bind", `${device}/driver/unbind`, address)
    yield* sysfs.write("vfio.bind", sysfs.path("bus", "pci", "drivers", VFIO, "bind"), address)
  })

/** Gives a function back: the override is cleared, vfio-pci lets go, and the kernel probes the host's own driver. */
const releaseOne = (sysfs: Sysfs, address: string) =>
  Effect.gen(function* () {
    const device = sysfs.path("bus", "pci", "devices", address)
    yield* sysfs.write("vfio.release", `${device}/driver_override`, "\n")
    if ((yield* sysfs.linkName("vfio.release", `${device}/driver`)) === VFIO) {
      yield* sysfs.write("vfio.release", sysfs.path("bus", "pci", "drivers", VFIO, "unbind"), address)
    }
    yield* sysfs.write("vfio.release", sysfs.path("bus", "pci", "drivers_probe"), address)
  })

export const bindVfio = (sysfs: Sysfs) =>
  Effect.fn("HostDevices.bindVfio")(function* (address: string) {
    if (!(yield* sysfs.exists("vfio.bind", sysfs.path("bus", "pci", "drivers", VFIO)))) {
      return yield* deviceFailure("vfio.bind", "the vfio-pci driver is not loaded on this host (modprobe vfio-pci)")
    }
    for (const member of yield* groupFunctions(sysfs, "vfio.bind", address)) yield* bindOne(sysfs, member)
  })

export const releaseVfio = (sysfs: Sysfs) =>
  Effect.fn("HostDevices.releaseVfio")(function* (address: string) {
    for (const member of yield* groupFunctions(sysfs, "vfio.release", address)) yield* releaseOne(sysfs, member)
  })

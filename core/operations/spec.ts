import { Effect } from "effect"
import type { DiskSpec, NicBacking, NicSpec, VmSpec } from "../driver/spec.ts"
import type { NotFound, StoreError } from "../errors.ts"
import { parseCidr } from "../ipam/cidr.ts"
import type { BootSource } from "../model/catalog.ts"
import type { Nic } from "../model/network.ts"
import type { Disk } from "../model/storage.ts"
import type { Vm } from "../model/vm.ts"
import { Store } from "../store/ports.ts"
import { deviceSpecOf } from "./devices/work.ts"
import { HostNetworking } from "./networks/host-networking.ts"
import { userBackingOf } from "./networks/user-backing.ts"

/**
 * C6 DHCP off: the default NIC's address is set in the guest. A kernel-booted image learns it from its command line
 * (`hyperx.ip=<ip>/<prefix> hyperx.gw=<gateway>`, read by the tiny guest's init for eth0); other images set it
 * themselves (their own configuration or guest agent).
 */
const withStaticAddress = (boot: BootSource, nic: Nic | undefined) =>
  Effect.gen(function* () {
    if (boot.kind !== "kernel" || nic === undefined || nic.dhcp) return boot
    const subnet = yield* Store.use((store) => store.subnets.get(nic.subnetId))
    const prefix = parseCidr(subnet.cidr)?.prefix
    if (prefix === undefined) return boot
    const cmdline = `${boot.cmdline} hyperx.ip=${nic.primaryIp}/${prefix} hyperx.gw=${subnet.gateway}`.trim()
    return { ...boot, cmdline }
  })

/**
 * R13: a kernel-booted image learns the VM's hostname from its command line (`hyperx.hostname=`, the tiny guest's
 * init sets it and writes /etc/hostname), so that what a user sees logged in is the name the platform shows. Other
 * images name themselves (their own configuration, cloud-init).
 */
const withHostname = (boot: BootSource, hostname: string): BootSource =>
  boot.kind === "kernel" ? { ...boot, cmdline: `${boot.cmdline} hyperx.hostname=${hostname}`.trim() } : boot

/** A disk as the driver sees it: at a start's definition and at a hot-plug alike. */
export const diskSpecOf = (d: Disk): DiskSpec => ({
  id: d.id,
  role: d.role,
  path: d.path,
  format: d.format,
  bus: d.bus,
  readonly: false,
})

/** The driver's view of a VM, built from the platform's records: its image, disks, NICs and media. */
export const buildSpec = Effect.fn("operations.buildSpec")(function* (vm: Vm) {
  const store = yield* Store
  const image = yield* store.images.get(vm.imageId)
  const disks = yield* store.disks.list({ vmId: vm.id })
  const nics = yield* store.nics.list({ vmId: vm.id })
  // With host networking each NIC is a tap on its network's bridge; without (fake driver, tests) user-mode NAT.
  const networking = yield* Effect.serviceOption(HostNetworking)
  const taps = networking._tag === "Some" && nics.length > 0 ? yield* networking.value.prepareVm(vm.id) : []
  const tapOf = new Map(taps.map((tap) => [tap.nicId, tap.tap]))
  const heldDevices = yield* store.hostDevices.list({ vmId: vm.id })
  const iso = vm.isoImageId === null ? null : yield* store.images.get(vm.isoImageId)
  const sortedNics = [...nics].sort(
    (a, b) => Number(b.isDefault) - Number(a.isDefault) || a.createdAt.getTime() - b.createdAt.getTime(),
  )
  const boot = yield* withStaticAddress(withHostname(image.boot, vm.hostname), sortedNics[0])
  // The system disk boots first; data disks follow in the order they were attached.
  const ordered = [...disks].sort(
    (a, b) =>
      Number(b.role === "system") - Number(a.role === "system") || a.createdAt.getTime() - b.createdAt.getTime(),
  )
  // the default network first: the guest's first interface (eth0) is its default route
  const nicSpecs = yield* Effect.forEach(sortedNics, (n) => {
    const tap = tapOf.get(n.id)
    const backing: Effect.Effect<NicBacking, NotFound | StoreError, Store> =
      tap === undefined ? userBackingOf(n) : Effect.succeed({ kind: "tap", tap })
    return Effect.map(backing, (b): NicSpec => ({ id: n.id, mac: n.mac, backing: b }))
  })
  const spec: VmSpec = {
    name: vm.hostname,
    uuid: vm.id,
    cpus: vm.cpus,
    sockets: vm.sockets,
    coresPerSocket: vm.coresPerSocket,
    memoryMiB: vm.memoryMiB,
    boot,
    disks: ordered.map(diskSpecOf),
    cdrom: iso?.location ?? null,
    nics: nicSpecs,
    // X1, X4: what the VM holds and its host still has (a vanished device would keep the VM from starting)
    devices: heldDevices.filter((device) => device.present).map(deviceSpecOf),
    vnc: true,
    serial: true,
    guestAgent: true,
  }
  return spec
})

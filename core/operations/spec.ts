import { Effect } from "effect"
import type { VmSpec } from "../driver/spec.ts"
import type { Vm } from "../model/vm.ts"
import { Store } from "../store/ports.ts"
import { HostNetworking } from "./networks/host-networking.ts"

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
  const iso = vm.isoImageId === null ? null : yield* store.images.get(vm.isoImageId)
  // The system disk boots first; data disks follow in the order they were attached.
  const ordered = [...disks].sort(
    (a, b) =>
      Number(b.role === "system") - Number(a.role === "system") || a.createdAt.getTime() - b.createdAt.getTime(),
  )
  const spec: VmSpec = {
    name: vm.hostname,
    uuid: vm.id,
    cpus: vm.cpus,
    sockets: vm.sockets,
    coresPerSocket: vm.coresPerSocket,
    memoryMiB: vm.memoryMiB,
    boot: image.boot,
    disks: ordered.map((d) => ({
      id: d.id,
      role: d.role,
      path: d.path,
      format: d.format,
      bus: d.bus,
      readonly: false,
    })),
    cdrom: iso?.location ?? null,
    // the default network first: the guest's first interface (eth0) is its default route
    nics: [...nics]
      .sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.createdAt.getTime() - b.createdAt.getTime())
      .map((n) => {
        const tap = tapOf.get(n.id)
        return {
          id: n.id,
          mac: n.mac,
          backing: tap === undefined ? { kind: "user" as const, hostForwards: [] } : { kind: "tap" as const, tap },
        }
      }),
    devices: [],
    vnc: true,
    serial: true,
    guestAgent: true,
  }
  return spec
})

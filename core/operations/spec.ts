import { Effect } from "effect"
import type { DiskSpec, VmSpec } from "../driver/spec.ts"
import type { Disk } from "../model/storage.ts"
import type { Vm } from "../model/vm.ts"
import { Store } from "../store/ports.ts"

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
    disks: ordered.map(diskSpecOf),
    cdrom: iso?.location ?? null,
    nics: nics.map((n) => ({ id: n.id, mac: n.mac, backing: { kind: "user" as const, hostForwards: [] } })),
    devices: [],
    vnc: true,
    serial: true,
    guestAgent: true,
  }
  return spec
})

import { Effect, Schema } from "effect"
import { HostDevice, type Lang, Nic, stateNamesZh, Vm, VmState } from "../../core/index.ts"
import { type AllowedAction, allowedActions } from "../../core/operations/allowed-actions.ts"
import { loadVisibleVmDetail } from "../../core/operations/vm-context.ts"
import type { Actor } from "../../core/rules/context.ts"
import { DiskSeen, diskSeenBy, seesHostPaths, withoutHostPaths } from "../views/host-paths.ts"

/** A VM record as the API shows it: everything but the sealed password. */
export const PublicVm = Vm.mapFields(({ passwordCipher: _, ...fields }) => fields).annotate({ identifier: "Vm" })
export type PublicVm = typeof PublicVm.Type

export const publicVm = (vm: Vm): PublicVm => {
  const { passwordCipher: _, ...rest } = vm
  return rest
}

const Named = Schema.Struct({ id: Schema.String, name: Schema.String }).annotate({ identifier: "Named" })
export const HostDeviceSchema = HostDevice.annotate({ identifier: "HostDevice" })
const Device = HostDeviceSchema
export const AllowedActionSchema = Schema.Struct({
  action: Schema.String,
  operation: Schema.String,
  allowed: Schema.Boolean,
  rule: Schema.optionalKey(Schema.String),
  kind: Schema.optionalKey(Schema.Literals(["forbidden", "conflict", "invalid"])),
  message: Schema.optionalKey(Schema.String),
}).annotate({ identifier: "AllowedAction" })

/** D1–D4 and the actions the caller may take now, for the detail view. */
export const VmDetail = Schema.Struct({
  vm: PublicVm,
  /** D1 */
  owner: Schema.NullOr(Named),
  company: Schema.NullOr(Named),
  department: Schema.NullOr(Named),
  /** D2 */
  runtime: Schema.Struct({
    state: VmState,
    stateLabel: Schema.String,
    stateReason: Schema.String,
    zone: Schema.String,
    pod: Schema.String,
    host: Schema.NullOr(Named),
  }),
  /** D3 */
  config: Schema.Struct({
    cpus: Schema.Int,
    sockets: Schema.Int,
    coresPerSocket: Schema.Int,
    memoryMiB: Schema.Int,
    flavor: Schema.NullOr(Named),
    image: Schema.NullOr(Named),
  }),
  /** D4 */
  resources: Schema.Struct({
    disks: Schema.Array(DiskSeen.annotate({ identifier: "Disk" })),
    nics: Schema.Array(Nic.annotate({ identifier: "Nic" })),
    gpus: Schema.Array(Device),
    usbDevices: Schema.Array(Device),
  }),
  allowedActions: Schema.Array(AllowedActionSchema),
}).annotate({ identifier: "VmDetail" })

/**
 * The detail view of a VM the actor may see (NotFound otherwise, G1): everything it shows and its action previews
 * read comes in one statement (store.vms.detail; bench/load, #14: the view took thirteen queries before).
 */
export const vmDetail = Effect.fn("agent.vmDetail")(function* (actor: Actor, vmId: string, lang: Lang) {
  const { reads: found, preview } = yield* loadVisibleVmDetail(actor, vmId)
  const vm = found.vm
  const read = { disks: found.disks, nics: found.nics, devices: found.devices }
  const actions: ReadonlyArray<AllowedAction> = yield* allowedActions(preview.context, {
    lang,
    locked: preview.locked,
    lockedBy: preview.lockedBy,
  })
  return {
    vm: publicVm(vm),
    owner: found.owner,
    company: found.company,
    department: found.department,
    runtime: {
      state: vm.state,
      stateLabel: lang === "zh" ? stateNamesZh[vm.state] : vm.state,
      stateReason: vm.stateReason === null || seesHostPaths(actor) ? vm.stateReason : withoutHostPaths(vm.stateReason),
      zone: vm.zone,
      pod: vm.pod,
      host: found.host,
    },
    config: {
      cpus: vm.cpus,
      sockets: vm.sockets,
      coresPerSocket: vm.coresPerSocket,
      memoryMiB: vm.memoryMiB,
      flavor: found.flavor,
      image: found.image,
    },
    resources: {
      disks: read.disks.map(diskSeenBy(actor)),
      nics: read.nics,
      gpus: read.devices.filter((d) => d.kind === "gpu"),
      usbDevices: read.devices.filter((d) => d.kind === "usb"),
    },
    allowedActions: actions,
  }
})

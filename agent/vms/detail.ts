import { Effect, Option, Schema } from "effect"
import { Disk, HostDevice, type Lang, loadVisibleVm, Nic, Store, stateNamesZh, Vm } from "../../core/index.ts"
import { previewBase } from "../../core/operations/preview.ts"
import type { Actor } from "../../core/rules/context.ts"
import { type AllowedAction, allowedActions } from "./allowed-actions.ts"

/** A VM record as the API shows it: everything but the sealed password. */
export const PublicVm = Vm.mapFields(({ passwordCipher: _, ...fields }) => fields).annotate({ identifier: "Vm" })
export type PublicVm = typeof PublicVm.Type

export const publicVm = (vm: Vm): PublicVm => {
  const { passwordCipher: _, ...rest } = vm
  return rest
}

const Named = Schema.Struct({ id: Schema.String, name: Schema.String })
const AllowedActionSchema = Schema.Struct({
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
    state: Schema.String,
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
    disks: Schema.Array(Disk),
    nics: Schema.Array(Nic),
    gpus: Schema.Array(HostDevice),
    usbDevices: Schema.Array(HostDevice),
  }),
  allowedActions: Schema.Array(AllowedActionSchema),
}).annotate({ identifier: "VmDetail" })

const named = <A extends { readonly id: string; readonly name: string }, E, R>(lookup: Effect.Effect<A, E, R>) =>
  lookup.pipe(
    Effect.map((found) => ({ id: found.id, name: found.name })),
    Effect.option,
    Effect.map(Option.getOrNull),
  )

/** The detail view of a VM the actor may see (NotFound otherwise, G1). */
export const vmDetail = Effect.fn("agent.vmDetail")(function* (actor: Actor, vmId: string, lang: Lang) {
  const store = yield* Store
  const vm = yield* loadVisibleVm(actor, vmId)
  const { context, locked } = yield* previewBase(actor, vm)
  const devices = yield* store.hostDevices.list({ vmId })
  const actions: ReadonlyArray<AllowedAction> = yield* allowedActions(context, { lang, locked })
  return {
    vm: publicVm(vm),
    owner: yield* named(store.users.get(vm.ownerId)),
    company: yield* named(store.companies.get(vm.companyId)),
    department: yield* named(store.departments.get(vm.departmentId)),
    runtime: {
      state: vm.state,
      stateLabel: lang === "zh" ? stateNamesZh[vm.state] : vm.state,
      stateReason: vm.stateReason,
      zone: vm.zone,
      pod: vm.pod,
      host: vm.hostId === null ? null : yield* named(store.hosts.get(vm.hostId)),
    },
    config: {
      cpus: vm.cpus,
      sockets: vm.sockets,
      coresPerSocket: vm.coresPerSocket,
      memoryMiB: vm.memoryMiB,
      flavor: yield* named(store.flavors.get(vm.flavorId)),
      image: yield* named(store.images.get(vm.imageId)),
    },
    resources: {
      disks: yield* store.disks.list({ vmId }),
      nics: yield* store.nics.list({ vmId }),
      gpus: devices.filter((d) => d.kind === "gpu"),
      usbDevices: devices.filter((d) => d.kind === "usb"),
    },
    allowedActions: actions,
  }
})

import { Effect } from "effect"
import type { Driver } from "../driver/driver.ts"
import { EventBus } from "../events/bus.ts"
import type { Vm } from "../model/vm.ts"
import type { Actor, VmContext } from "../rules/context.ts"
import { type PowerContext, powerRules } from "../rules/power.ts"
import { Store } from "../store/ports.ts"
import { now } from "./clock.ts"
import { driverFor, ignoreMissing } from "./driver-for.ts"
import { syncHostNetworking } from "./networks/host-networking.ts"
import { runVmOperation } from "./run-vm-operation.ts"
import type { BackgroundWork, RecordWork, VmOperation } from "./vm-operation.ts"
import { moveVm, scopeOf } from "./vm-state.ts"

export interface DeleteOptions {
  /** B4 "彻底销毁": remove the VM for good instead of moving it to the recycle bin. */
  readonly destroy?: boolean
  /** Data disks are deleted only when asked; otherwise they are detached and kept. */
  readonly deleteDataDisks?: boolean
  readonly batch?: boolean
  readonly parentId?: string
}

/** Cut power, forget the domain, delete its system disk (and data disks if asked), then the records. */
export const destroyCompletely = Effect.fn("operations.destroyCompletely")(function* (
  driver: Driver,
  vm: Vm,
  deleteDataDisks: boolean,
) {
  const store = yield* Store
  const bus = yield* EventBus
  yield* ignoreMissing(driver.shutdown(vm.hostname, { force: true, timeoutMs: 0 }))
  yield* ignoreMissing(driver.undefine(vm.hostname))
  const disks = yield* store.disks.list({ vmId: vm.id })
  const doomed = disks.filter((d) => d.role === "system" || deleteDataDisks)
  for (const disk of doomed) yield* driver.volumes.remove(disk.path)
  for (const kept of disks.filter((d) => !doomed.includes(d))) yield* store.disks.update(kept.id, { vmId: null })
  yield* store.vms.purge(
    vm.id,
    doomed.map((d) => d.id),
  )
  // its taps (and any network no other NIC of the host uses) go too; the VM is gone whatever the host says
  yield* syncHostNetworking.pipe(
    Effect.catch((error) => Effect.logWarning(`host networking after destroying ${vm.hostname}: ${error.message}`)),
  )
  yield* bus.publish({ _tag: "vm-removed", ...scopeOf(vm), vmId: vm.id, at: yield* now })
})

type Prepared = { readonly driver: Driver }
type Deletion = VmOperation<"full", DeleteOptions, PowerContext, Prepared, BackgroundWork<PowerContext, Prepared, void>>

const powerContext = (base: VmContext, batch: boolean): PowerContext => ({ ...base, batch, detachDevices: false })
const prepareDriver = (context: PowerContext) => Effect.map(driverFor(context.vm), (driver) => ({ driver }))

/** B4: the delete (into the recycle bin) and destroy (for good) declarations. */
const deletion = (destroy: boolean): Deletion => {
  const operation = destroy ? "vm.destroy" : "vm.delete"
  return {
    operation,
    reads: "full",
    context: (base, options) => Effect.succeed(powerContext(base, options.batch ?? false)),
    rules: destroy ? powerRules.destroy : powerRules.delete,
    prepare: prepareDriver,
    lifecycle: "delete",
    task: (_, options) => ({ params: { destroy, deleteDataDisks: options.deleteDataDisks ?? false } }),
    work: {
      kind: "background",
      run: (context, { driver }) =>
        destroy
          ? destroyCompletely(driver, context.vm, false)
          : ignoreMissing(driver.shutdown(context.vm.hostname, { force: true, timeoutMs: 0 })),
      // Destroyed, the VM has no record left to move; deleted, it moves into the recycle bin.
      onSuccess: () => (destroy ? Effect.succeed("by-work") : Effect.map(now, (at) => ({ with: { recycledAt: at } }))),
    },
  }
}

/** Destroying needs to know whether data disks go too: the work reads it from the declaration's input. */
const destroyWith = (deleteDataDisks: boolean): Deletion => {
  const base = deletion(true)
  return {
    ...base,
    work: { ...base.work, run: (context, { driver }) => destroyCompletely(driver, context.vm, deleteDataDisks) },
  }
}

export const deleteOperation = deletion(false)
export const destroyOperation = deletion(true)

/** B4: into the recycle bin (powered off, disks kept), or destroyed completely. */
export const deleteVm = (actor: Actor, vmId: string, options: DeleteOptions = {}) =>
  runVmOperation(
    options.destroy ? destroyWith(options.deleteDataDisks ?? false) : deleteOperation,
    actor,
    vmId,
    options,
    options,
  )

/** G3: purging a VM from the recycle bin destroys it completely. */
export const purgeOperation = (deleteDataDisks: boolean): Deletion => ({
  ...destroyWith(deleteDataDisks),
  operation: "vm.purge",
  context: (base) => Effect.succeed(powerContext(base, false)),
  rules: powerRules.purge,
  task: () => ({ params: { destroy: true, deleteDataDisks } }),
})

/** G3: purge a VM from the recycle bin (destroy it completely). */
export const purgeVm = (actor: Actor, vmId: string, options: { readonly deleteDataDisks?: boolean } = {}) =>
  runVmOperation(purgeOperation(options.deleteDataDisks ?? false), actor, vmId, {})

/** G3: take a VM out of the recycle bin; it comes back stopped. A record change only, still a task. */
export const restoreOperation: VmOperation<"full", void, PowerContext, void, RecordWork<PowerContext, void, Vm>> = {
  operation: "vm.restore",
  reads: "full",
  context: (base) => Effect.succeed(powerContext(base, false)),
  rules: powerRules.restore,
  task: () => ({}),
  work: {
    kind: "record",
    write: (context) =>
      moveVm(context.vm, "stopped", "platform", "vm.restore", { recycledAt: null }, context.vm.version),
  },
}

/** G3: take a VM out of the recycle bin; returns the finished task. */
export const restoreVm = (actor: Actor, vmId: string) =>
  runVmOperation(restoreOperation, actor, vmId, undefined).pipe(Effect.map(({ task }) => task))

import { Effect } from "effect"
import type { Driver } from "../driver/driver.ts"
import { EventBus } from "../events/bus.ts"
import type { Vm } from "../model/vm.ts"
import type { Actor } from "../rules/context.ts"
import { type PowerContext, powerRules } from "../rules/power.ts"
import { checkRules } from "../rules/rule.ts"
import { Store } from "../store/ports.ts"
import { now } from "./clock.ts"
import { ignoreMissing } from "./driver-for.ts"
import { runLifecycle } from "./lifecycle-task.ts"
import { beginTask, finishTask } from "./tasks.ts"
import { loadVisibleVm, vmContext } from "./vm-context.ts"
import { VmLocks } from "./vm-lock.ts"
import { moveVm, scopeOf } from "./vm-state.ts"

export interface DeleteOptions {
  /** B4 "彻底销毁": remove the VM for good instead of moving it to the recycle bin. */
  readonly destroy?: boolean
  /** Data disks are deleted only when asked; otherwise they are detached and kept. */
  readonly deleteDataDisks?: boolean
  readonly batch?: boolean
  readonly parentId?: string
}

const powerContext = (actor: Actor, vm: Vm, batch: boolean) =>
  vmContext(actor, vm).pipe(Effect.map((c): PowerContext => ({ ...c, batch, detachDevices: false })))

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
  yield* bus.publish({ _tag: "vm-removed", ...scopeOf(vm), vmId: vm.id, at: yield* now })
})

/** B4: into the recycle bin (powered off, disks kept), or destroyed completely. */
export const deleteVm = Effect.fn("operations.deleteVm")(function* (
  actor: Actor,
  vmId: string,
  options: DeleteOptions = {},
) {
  const vm = yield* loadVisibleVm(actor, vmId)
  const destroy = options.destroy ?? false
  const operation = destroy ? "vm.destroy" : "vm.delete"
  const context = yield* powerContext(actor, vm, options.batch ?? false)
  yield* checkRules(operation, destroy ? powerRules.destroy : powerRules.delete, context)
  const deleteDataDisks = options.deleteDataDisks ?? false
  return yield* runLifecycle({
    operation,
    action: "delete",
    context,
    ...(options.parentId === undefined ? {} : { parentId: options.parentId }),
    params: { destroy, deleteDataDisks },
    work: (driver, current) =>
      destroy
        ? destroyCompletely(driver, current, deleteDataDisks)
        : ignoreMissing(driver.shutdown(current.hostname, { force: true, timeoutMs: 0 })),
    onSuccess: (current, to) =>
      destroy
        ? Effect.void
        : Effect.flatMap(now, (at) => moveVm(current, to, "platform", operation, { recycledAt: at })),
  })
})

/** G3: purge a VM from the recycle bin (destroy it completely). */
export const purgeVm = Effect.fn("operations.purgeVm")(function* (
  actor: Actor,
  vmId: string,
  options: { readonly deleteDataDisks?: boolean } = {},
) {
  const vm = yield* loadVisibleVm(actor, vmId)
  const context = yield* powerContext(actor, vm, false)
  yield* checkRules("vm.purge", powerRules.purge, context)
  const deleteDataDisks = options.deleteDataDisks ?? false
  return yield* runLifecycle({
    operation: "vm.purge",
    action: "delete",
    context,
    params: { destroy: true, deleteDataDisks },
    work: (driver, current) => destroyCompletely(driver, current, deleteDataDisks),
    onSuccess: () => Effect.void,
  })
})

/** G3: take a VM out of the recycle bin; it comes back stopped. A record change only, still a task. */
export const restoreVm = Effect.fn("operations.restoreVm")(function* (actor: Actor, vmId: string) {
  const locks = yield* VmLocks
  const vm = yield* loadVisibleVm(actor, vmId)
  const context = yield* powerContext(actor, vm, false)
  yield* checkRules("vm.restore", powerRules.restore, context)
  yield* locks.acquire("vm.restore", context)
  return yield* Effect.gen(function* () {
    const scope = scopeOf(vm)
    const task = yield* beginTask({ operation: "vm.restore", actor, scope, vmId })
    const exit = yield* Effect.exit(moveVm(vm, "stopped", "platform", "vm.restore", { recycledAt: null }, vm.version))
    return yield* finishTask(task, scope, exit)
  }).pipe(Effect.ensuring(locks.release(vmId)))
})

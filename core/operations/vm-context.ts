import { Effect } from "effect"
import { canSee } from "../auth/scope.ts"
import { NotFound } from "../errors.ts"
import type { Vm } from "../model/vm.ts"
import type { Actor, VmContext } from "../rules/context.ts"
import { Store } from "../store/ports.ts"

/** The VM if the actor may see it; otherwise NotFound, exactly as if it did not exist (G1). */
export const loadVisibleVm = Effect.fn("operations.loadVisibleVm")(function* (actor: Actor, vmId: string) {
  const store = yield* Store
  const vm = yield* store.vms.get(vmId)
  if (!canSee(actor, vm)) return yield* new NotFound({ resource: "vm", id: vmId })
  return vm
})

/** Everything a VM rule may look at. */
export const vmContext = Effect.fn("operations.vmContext")(function* (actor: Actor, vm: Vm) {
  const store = yield* Store
  const facts = yield* store.vms.facts(vm.id)
  const image = yield* store.images.get(vm.imageId).pipe(Effect.option)
  const context: VmContext = {
    actor,
    vm,
    facts,
    osFamily: image._tag === "Some" ? image.value.osFamily : "linux",
    passwordManaged: image._tag === "Some" ? image.value.passwordManaged : false,
  }
  return context
})

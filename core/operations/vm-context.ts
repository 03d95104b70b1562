import { Effect, type Option } from "effect"
import { canSee } from "../auth/scope.ts"
import { NotFound } from "../errors.ts"
import type { Image } from "../model/catalog.ts"
import type { Vm } from "../model/vm.ts"
import type { Actor, VmContext } from "../rules/context.ts"
import { Store, type VmFacts } from "../store/ports.ts"

/** The VM if the actor may see it; otherwise NotFound, exactly as if it did not exist (G1). */
export const loadVisibleVm = Effect.fn("operations.loadVisibleVm")(function* (actor: Actor, vmId: string) {
  const store = yield* Store
  const vm = yield* store.vms.get(vmId)
  if (!canSee(actor, vm)) return yield* new NotFound({ resource: "vm", id: vmId })
  return vm
})

const contextOf = (actor: Actor, vm: Vm, facts: VmFacts, image: Option.Option<Image>): VmContext => ({
  actor,
  vm,
  facts,
  osFamily: image._tag === "Some" ? image.value.osFamily : "linux",
  passwordManaged: image._tag === "Some" ? image.value.passwordManaged : false,
})

/** Everything a VM rule may look at; the counts and the image are read side by side. */
export const vmContext = Effect.fn("operations.vmContext")(function* (actor: Actor, vm: Vm) {
  const store = yield* Store
  const [facts, image] = yield* Effect.all([store.vms.facts(vm.id), store.images.get(vm.imageId).pipe(Effect.option)], {
    concurrency: "unbounded",
  })
  return contextOf(actor, vm, facts, image)
})

/**
 * The context from records read now (under the VM's lock), the VM itself with the rest: `known` is the VM as read a
 * moment ago, whose image is read alongside and read again only if the VM changed image meanwhile.
 */
export const freshVmContext = Effect.fn("operations.freshVmContext")(function* (actor: Actor, known: Vm) {
  const store = yield* Store
  const image = (imageId: string) => store.images.get(imageId).pipe(Effect.option)
  const [vm, facts, knownImage] = yield* Effect.all(
    [store.vms.get(known.id), store.vms.facts(known.id), image(known.imageId)],
    { concurrency: "unbounded" },
  )
  return contextOf(actor, vm, facts, vm.imageId === known.imageId ? knownImage : yield* image(vm.imageId))
})

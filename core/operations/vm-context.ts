import { Effect, type Option } from "effect"
import { canSee } from "../auth/scope.ts"
import { NotFound, type StoreError } from "../errors.ts"
import type { Image } from "../model/catalog.ts"
import type { Vm } from "../model/vm.ts"
import type { Actor, VmContext, VmCountsContext, VmRecordContext } from "../rules/context.ts"
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

/** How an operation reads what its rules look at: once before taking the VM's lock, and again under it if need be. */
export interface ContextReads<B extends VmRecordContext> {
  readonly first: (actor: Actor, vm: Vm) => Effect.Effect<B, StoreError | NotFound, Store>
  readonly fresh: (actor: Actor, known: Vm) => Effect.Effect<B, StoreError | NotFound, Store>
}

/** The VM with its counts, not its image: for the exclusivity rules of snapshots, backups and disks (R3). */
export const readVmCounts: ContextReads<VmCountsContext> = {
  first: (actor, vm) =>
    Store.use((store) => store.vms.facts(vm.id)).pipe(Effect.map((facts) => ({ actor, vm, facts }))),
  fresh: (actor, known) =>
    Store.use((store) =>
      Effect.all([store.vms.get(known.id), store.vms.facts(known.id)], { concurrency: "unbounded" }),
    ).pipe(Effect.map(([vm, facts]) => ({ actor, vm, facts }))),
}

/** The VM's own record only: for operations whose rules need nothing more, which saves the counts query. */
export const readVmRecord: ContextReads<VmRecordContext> = {
  first: (actor, vm) => Effect.succeed({ actor, vm }),
  fresh: (actor, known) => Store.use((store) => store.vms.get(known.id)).pipe(Effect.map((vm) => ({ actor, vm }))),
}

import { Effect, type Option } from "effect"
import { canSee } from "../auth/scope.ts"
import { NotFound, type StoreError } from "../errors.ts"
import type { Image } from "../model/catalog.ts"
import type { Vm } from "../model/vm.ts"
import type { Actor, VmContext } from "../rules/context.ts"
import { Store, type VmFacts } from "../store/ports.ts"
import type { HeldLock, RecalledVm } from "./vm-lock.ts"
import type { ReadContext, Reads } from "./vm-operation.ts"

/** The VM if the actor may see it; otherwise NotFound, exactly as if it did not exist (G1). */
export const loadVisibleVm = Effect.fnUntraced(function* loadVisibleVm(actor: Actor, vmId: string) {
  const store = yield* Store
  const vm = yield* store.vms.get(vmId)
  if (!canSee(actor, vm)) return yield* new NotFound({ resource: "vm", id: vmId })
  return vm
})

type ImageTraits = Pick<Image, "osFamily" | "passwordManaged">

const contextOf = (actor: Actor, vm: Vm, facts: VmFacts, image: Option.Option<ImageTraits>): VmContext =>
  contextOfTraits(actor, vm, facts, image._tag === "Some" ? image.value : null)

const contextOfTraits = (actor: Actor, vm: Vm, facts: VmFacts, image: ImageTraits | null): VmContext => ({
  actor,
  vm,
  facts,
  osFamily: image?.osFamily ?? "linux",
  passwordManaged: image?.passwordManaged ?? false,
})

/**
 * The VM the actor may see (NotFound otherwise, G1) with everything a preview of its operations reads and the names
 * its detail view shows, in one round trip: what previewBase reads, without its three further queries.
 */
export const loadVisibleVmDetail = Effect.fn("operations.loadVisibleVmDetail")(function* (actor: Actor, vmId: string) {
  const store = yield* Store
  const reads = yield* store.vms.detail(vmId)
  if (!canSee(actor, reads.vm)) return yield* new NotFound({ resource: "vm", id: vmId })
  const preview = {
    context: contextOfTraits(actor, reads.vm, reads.facts, reads.imageTraits),
    locked: reads.locked,
    lockedBy: reads.lockedBy,
  }
  return { reads, preview }
})

/** Everything a VM rule may look at; the counts and the image are read side by side. */
export const vmContext = Effect.fn("operations.vmContext")(function* (actor: Actor, vm: Vm) {
  const store = yield* Store
  const [facts, image] = yield* Effect.all([store.vms.facts(vm.id), store.images.get(vm.imageId).pipe(Effect.option)], {
    concurrency: "unbounded",
  })
  return contextOf(actor, vm, facts, image)
})

/** What an operation's rules read, before the VM's lock is taken. */
export const readBase = <K extends Reads>(
  reads: K,
  actor: Actor,
  vm: Vm,
): Effect.Effect<ReadContext[K], StoreError, Store> => {
  if (reads === "record") return Effect.succeed({ actor, vm } as ReadContext[K])
  if (reads === "counts") {
    return Store.use((store) => store.vms.facts(vm.id)).pipe(
      Effect.map((facts) => ({ actor, vm, facts }) as ReadContext[K]),
    )
  }
  return vmContext(actor, vm) as Effect.Effect<ReadContext[K], StoreError, Store>
}

/**
 * What an operation's rules read, from the VM's id: the VM if the actor may see it (else NotFound, G1), its counts
 * read in the same round trip, and with "full" its image.
 */
export const readVisibleBase = <K extends Reads>(
  reads: K,
  actor: Actor,
  vmId: string,
): Effect.Effect<ReadContext[K], StoreError | NotFound, Store> => {
  if (reads === "record") return Effect.map(loadVisibleVm(actor, vmId), (vm) => ({ actor, vm }) as ReadContext[K])
  return Effect.gen(function* () {
    const store = yield* Store
    const { vm, facts } = yield* store.vms.getWithFacts(vmId)
    if (!canSee(actor, vm)) return yield* new NotFound({ resource: "vm", id: vmId })
    if (reads === "counts") return { actor, vm, facts } as ReadContext[K]
    return contextOf(actor, vm, facts, yield* store.images.get(vm.imageId).pipe(Effect.option)) as ReadContext[K]
  })
}

/**
 * The same, as read by the lock's claim (the VM and its counts): the image is read again only if the VM names
 * another one since, which only an operation under the lock could do.
 */
export const freshBase = <K extends Reads>(
  reads: K,
  first: ReadContext[K],
  held: HeldLock,
): Effect.Effect<ReadContext[K], StoreError | NotFound, Store> => {
  const { actor } = first
  if (reads === "record") return Effect.succeed({ actor, vm: held.vm } as ReadContext[K])
  const facts = held.facts ?? (first as ReadContext["counts"]).facts
  if (reads === "counts") return Effect.succeed({ actor, vm: held.vm, facts } as ReadContext[K])
  const known = first as ReadContext["full"]
  if (known.vm.imageId === held.vm.imageId) return Effect.succeed({ ...known, vm: held.vm, facts } as ReadContext[K])
  return Store.use((store) => store.images.get(held.vm.imageId).pipe(Effect.option)).pipe(
    Effect.map((image) => contextOf(actor, held.vm, facts, image) as ReadContext[K]),
  )
}

/**
 * What an operation's rules read, as this agent last read it under the VM's lock (see VmLocks.recalled): only if
 * the actor may see the VM as recalled and everything the operation reads was read then; otherwise undefined.
 */
export const recalledBase = <K extends Reads>(
  reads: K,
  actor: Actor,
  recalled: RecalledVm | undefined,
): ReadContext[K] | undefined => {
  if (recalled === undefined || !canSee(actor, recalled.vm)) return undefined
  const { vm, facts, image } = recalled
  if (reads === "record") return { actor, vm } as ReadContext[K]
  if (facts === undefined) return undefined
  if (reads === "counts") return { actor, vm, facts } as ReadContext[K]
  return image === undefined ? undefined : (contextOfTraits(actor, vm, facts, image) as ReadContext[K])
}

/** A fresh read of an operation's base, as VmLocks.remember keeps it. */
export const recallOf = (base: ReadContext[Reads]): RecalledVm => {
  const { vm } = base
  const facts = "facts" in base ? { facts: base.facts } : {}
  const image = "osFamily" in base ? { image: { osFamily: base.osFamily, passwordManaged: base.passwordManaged } } : {}
  return { vm, ...facts, ...image }
}

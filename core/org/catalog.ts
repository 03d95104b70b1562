import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { now } from "../operations/clock.ts"
import type { Actor } from "../rules/context.ts"
import { orgRules } from "../rules/org.ts"
import { checkRules } from "../rules/rule.ts"
import { Store } from "../store/ports.ts"

export interface FlavorInput {
  readonly name: string
  readonly cpus: number
  readonly memoryMiB: number
  readonly gpuAllowed?: boolean
  /** Price per day, minor units (M3). */
  readonly perDay: number
}

/** C3, G1: the flavors on offer (a superadmin may ask for the retired ones too), smallest first. */
export const listFlavors = Effect.fn("org.listFlavors")(function* (actor: Actor, withRetired = false) {
  const store = yield* Store
  const all = yield* store.flavors.list()
  const shown = withRetired && actor.role === "superadmin" ? all : all.filter((f) => (f.retiredAt ?? null) === null)
  return [...shown].sort((a, b) => a.cpus - b.cpus || a.memoryMiB - b.memoryMiB || a.name.localeCompare(b.name))
})

/** G1: a superadmin adds a flavor to the catalogue. */
export const createFlavor = Effect.fn("org.createFlavor")(function* (actor: Actor, input: FlavorInput) {
  const store = yield* Store
  yield* checkRules("org.catalog", orgRules["org.catalog"], { actor })
  return yield* store.flavors.insert({
    id: randomUUID(),
    name: input.name,
    cpus: input.cpus,
    memoryMiB: input.memoryMiB,
    gpuAllowed: input.gpuAllowed ?? false,
    perDay: input.perDay,
    createdAt: yield* now,
    retiredAt: null,
  })
})

/** G1: retire a flavor (no new VM gets it; the VMs that have it keep it), or bring it back. */
export const setFlavorRetired = Effect.fn("org.setFlavorRetired")(function* (
  actor: Actor,
  id: string,
  retired: boolean,
) {
  const store = yield* Store
  yield* store.flavors.get(id)
  yield* checkRules("org.catalog", orgRules["org.catalog"], { actor })
  return yield* store.flavors.update(id, { retiredAt: retired ? yield* now : null })
})

/** G1: retire an image (nothing new is installed from it; VMs installed from it keep it), or bring it back. */
export const setImageRetired = Effect.fn("org.setImageRetired")(function* (actor: Actor, id: string, retired: boolean) {
  const store = yield* Store
  yield* store.images.get(id)
  yield* checkRules("org.catalog", orgRules["org.catalog"], { actor })
  return yield* store.images.update(id, { retiredAt: retired ? yield* now : null })
})

import { Effect } from "effect"
import { canSee } from "../auth/scope.ts"
import { NotFound } from "../errors.ts"
import type { Actor } from "../rules/context.ts"
import { Store } from "../store/ports.ts"

/** The user a new VM is for: the actor, or one they may see; any other is missing, as if it did not exist (G1). */
export const resolveOwner = Effect.fn("operations.resolveOwner")(function* (actor: Actor, ownerId: string | undefined) {
  const store = yield* Store
  const owner = yield* store.users.get(ownerId ?? actor.userId)
  if (!canSee(actor, { ...owner, ownerId: owner.id })) return yield* new NotFound({ resource: "user", id: owner.id })
  return owner
})

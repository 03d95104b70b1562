import { Effect } from "effect"
import type { Actor } from "../../rules/context.ts"
import { Store } from "../../store/ports.ts"
import { loadVisibleDisk } from "./disk-access.ts"

/** V4–V6: a disk's backups, oldest first: full or incremental, what each builds on, origin, size, state and time. */
export const listBackups = Effect.fn("operations.listBackups")(function* (actor: Actor, diskId: string) {
  const store = yield* Store
  yield* loadVisibleDisk(actor, diskId)
  return yield* store.backups.list({ diskId })
})

import { Effect } from "effect"
import type { Actor } from "../../rules/context.ts"
import { Store } from "../../store/ports.ts"
import { loadVisibleVm } from "../vm-context.ts"

/** P1–P5: a VM's snapshots, oldest first, each with its state, size and creation time. */
export const listSnapshots = Effect.fn("operations.listSnapshots")(function* (actor: Actor, vmId: string) {
  const store = yield* Store
  yield* loadVisibleVm(actor, vmId)
  return yield* store.snapshots.list({ vmId })
})

import { Effect } from "effect"
import { InvalidInput } from "../errors.ts"
import { now } from "../operations/clock.ts"
import { loadVisibleVm } from "../operations/vm-context.ts"
import type { Actor } from "../rules/context.ts"
import { Store } from "../store/ports.ts"
import { dailyCost, dayBounds, dayOf } from "./daily.ts"
import { currentPriceBook } from "./job.ts"

const longestRangeDays = 366

/**
 * D5: a VM's daily cost rows for the days asked (default the last 30), and today so far at today's prices, for
 * those who may see the VM (G1: others get NotFound).
 */
export const vmCosts = Effect.fn("cost.vmCosts")(function* (
  actor: Actor,
  vmId: string,
  range: { readonly from?: string; readonly to?: string } = {},
) {
  const store = yield* Store
  yield* loadVisibleVm(actor, vmId)
  const at = yield* now
  const today = dayOf(at)
  const to = range.to ?? today
  const from = range.from ?? dayOf(new Date(dayBounds(to).start.getTime() - 29 * 86_400_000))
  const span = (dayBounds(to).start.getTime() - dayBounds(from).start.getTime()) / 86_400_000
  if (span < 0) return yield* new InvalidInput({ message: "from must not be after to" })
  if (span >= longestRangeDays) return yield* new InvalidInput({ message: "A cost range spans at most 366 days" })
  const days = yield* store.costs.daily(vmId, from, to)
  const { start, end } = dayBounds(today)
  const records = yield* store.costs.holdingsBetween(start, end, vmId)
  const soFar = dailyCost(vmId, today, records, yield* currentPriceBook(), at)
  return { vmId, from, to, days, today: soFar ?? null }
})

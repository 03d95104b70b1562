import { Duration, Effect, Queue, Stream } from "effect"
import { EventBus } from "../events/bus.ts"
import { now } from "../operations/clock.ts"
import { Store } from "../store/ports.ts"
import { type DailyCost, dailyCost, dayBounds, dayOf } from "./daily.ts"
import type { HoldingRecord } from "./holding.ts"
import { recordHoldings } from "./holdings.ts"
import { type PriceBook, priceBookOf } from "./price-book.ts"

/** The price book as the store holds it now (the same rows the create quote reads). */
export const currentPriceBook = Effect.fn("cost.currentPriceBook")(function* () {
  const store = yield* Store
  const [flavors, images, prices] = yield* Effect.all(
    [store.flavors.list(), store.images.list(), store.prices.list()],
    {
      concurrency: "unbounded",
    },
  )
  return priceBookOf({ flavors, images, prices })
})

const byVm = (records: ReadonlyArray<HoldingRecord>) => {
  const groups = new Map<string, Array<HoldingRecord>>()
  for (const r of records) groups.set(r.vmId, [...(groups.get(r.vmId) ?? []), r])
  return groups
}

/** One day's cost of every VM that held something that day (pure, over the records that bear on it). */
export const costsOfDay = (day: string, records: ReadonlyArray<HoldingRecord>, book: PriceBook, until?: Date) =>
  [...byVm(records)].flatMap(([vmId, own]): ReadonlyArray<DailyCost> => {
    const cost = dailyCost(vmId, day, own, book, until)
    return cost === undefined ? [] : [cost]
  })

/**
 * M3: write one cost row per VM for a UTC day that has ended, at today's prices; running it again replaces the
 * rows (a recomputation). The VM's organisation is the one it has when the row is written. Yields the rows.
 */
export const writeDailyCosts = Effect.fn("cost.writeDailyCosts")(function* (day: string) {
  const store = yield* Store
  const { start, end } = dayBounds(day)
  const records = yield* store.costs.holdingsBetween(start, end)
  const costs = costsOfDay(day, records, yield* currentPriceBook())
  const vms = new Map(
    [...(yield* store.vms.list()), ...(yield* store.vms.list({ recycled: true }))].map((vm) => [vm.id, vm]),
  )
  const rows = costs.flatMap((cost) => {
    const vm = vms.get(cost.vmId)
    // A VM purged since keeps the rows written while it existed; the day it was purged is written by the run
    // after midnight only if the VM is still known, which is the usual case (the job runs right after midnight).
    return vm === undefined ? [] : [{ ...cost, companyId: vm.companyId, departmentId: vm.departmentId }]
  })
  yield* store.costs.upsertDaily(rows, yield* now)
  return rows
})

/** Rounds of the cost job: record holdings, and once a day has ended, write its rows. */
const roundEvery = Duration.minutes(5)

/**
 * The cost job (M3): holdings recorded right after every settled task (a resize, a disk attached) and every five
 * minutes; yesterday's rows written at the first round of each UTC day (and at start, in case the agent was down
 * at midnight). A plain effect: the cluster leader will run it (#16). Never fails: a failed round is logged.
 */
export const runCostJob = Effect.scoped(
  Effect.gen(function* () {
    const bus = yield* EventBus
    const wakes = yield* Queue.sliding<void>(1)
    const events = yield* bus.subscribe
    yield* Effect.forkScoped(
      Stream.runForEach(events, (event) =>
        event._tag === "task" && event.task.state !== "running" ? Queue.offer(wakes, undefined) : Effect.void,
      ),
    )
    let written: string | undefined
    return yield* Effect.forever(
      Effect.gen(function* () {
        yield* recordHoldings()
        const today = dayOf(yield* now)
        if (written !== today) {
          const yesterday = dayOf(new Date(dayBounds(today).start.getTime() - 1))
          yield* writeDailyCosts(yesterday)
          written = today
        }
      }).pipe(
        Effect.catchCause((cause) => Effect.logError("a cost round failed", cause)),
        Effect.andThen(Effect.raceFirst(Effect.sleep(roundEvery), Queue.take(wakes))),
      ),
    )
  }),
)

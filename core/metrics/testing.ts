import { Clock, Effect } from "effect"
import { TestClock } from "effect/testing"
import { Store } from "../store/ports.ts"

/** Run `body` with Effect's clock standing still at `at` (tests of time-driven behaviour). */
export const at = <A, E, R>(when: string | Date, body: Effect.Effect<A, E, R>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const clock = yield* TestClock.make({ warningDelay: "1 hour" })
      yield* TestClock.setTime(new Date(when).getTime()).pipe(Effect.provideService(Clock.Clock, clock))
      return yield* Effect.provideService(body, Clock.Clock, clock)
    }),
  )

/** Raw samples for a VM, one per `stepSeconds` from `start`, with the CPU figures given (the rest fixed). */
export const insertSamples = (vmId: string, start: string, stepSeconds: number, cpu: ReadonlyArray<number>) =>
  Store.use((store) =>
    store.metrics.insertRaw(
      cpu.map((cpuPercent, i) => ({
        vmId,
        at: new Date(Date.parse(start) + i * stepSeconds * 1000),
        cpuPercent,
        memoryUsedBytes: 64 * 2 ** 20,
        memoryTotalBytes: 128 * 2 ** 20,
        diskReadBps: 1000,
        diskWriteBps: 500,
        netRxBps: null,
        netTxBps: null,
        diskUsedPercent: 40,
      })),
    ),
  )

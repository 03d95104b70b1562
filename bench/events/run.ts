/**
 * bench/events (#21 G4): what keeping events in the events table costs. On a scratch database, the persisted bus
 * (core/events/persisted.ts) and the in-memory one: one event at a time (publish, then wait until a subscriber has
 * it: the delivery latency the insert adds) and a burst (N events published at once: how the writer batches them, and
 * the events per second end to end). Prints JSON only:
 *   node --import tsx bench/events/run.ts [POSTGRES-URL] [--events N]
 * PostgreSQL: the URL argument or TEST_DATABASE_URL.
 */
import { randomBytes } from "node:crypto"
import { performance } from "node:perf_hooks"
import { Effect, Layer, ManagedRuntime, Stream } from "effect"
import { HostConfig } from "../../core/config.ts"
import { EventBus } from "../../core/events/bus.ts"
import { layerPersistedEvents } from "../../core/events/persisted.ts"
import { removedEvent } from "../../core/events/testing.ts"
import { layerPostgres } from "../../core/store/layer.ts"
import { percentile } from "../api-list/stats.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages, machineFacts } from "../shared/load.ts"
import { withScratchDatabase } from "../shared/scratch-database.ts"

const count = wholeNumberFlag("--events", 2_000)
const postgresUrl =
  process.argv.slice(2).find((arg) => /^postgres(ql)?:\/\//.test(arg)) ?? process.env.TEST_DATABASE_URL

const host = Layer.succeed(
  HostConfig,
  HostConfig.of({ hostId: "bench", storageDir: "/tmp", shutdownTimeoutMs: 1_000, secretKey: randomBytes(32) }),
)

const round = (value: number) => Math.round(value * 1000) / 1000

/** One at a time, then a burst, on one bus. */
const measure = <R>(bus: Layer.Layer<EventBus, never, R>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const events = yield* EventBus
      const { events: stream } = yield* events.subscribeSince(undefined)
      const queue: Array<() => void> = []
      let seen = 0
      yield* Effect.forkScoped(
        Stream.runForEach(stream, () =>
          Effect.sync(() => {
            seen += 1
            queue.shift()?.()
          }),
        ),
      )
      const delivered = (n: number) =>
        Effect.promise(
          () =>
            new Promise<void>((resolve) => {
              const check = () => (seen >= n ? resolve() : queue.push(check))
              check()
            }),
        )
      const single: Array<number> = []
      for (let i = 0; i < Math.min(500, count); i++) {
        const target = seen + 1
        const started = performance.now()
        yield* events.publish(removedEvent(`single-${i}`))
        yield* delivered(target)
        single.push(performance.now() - started)
      }
      const before = seen
      const started = performance.now()
      for (let i = 0; i < count; i++) yield* events.publish(removedEvent(`burst-${i}`))
      yield* delivered(before + count)
      const burstMs = performance.now() - started
      return {
        singleDeliveryMs: { p50: round(percentile(single, 50)), p99: round(percentile(single, 99)) },
        burst: { events: count, ms: round(burstMs), eventsPerSecond: Math.round(count / (burstMs / 1000)) },
      }
    }).pipe(Effect.provide(bus)),
  )

const main = async () => {
  if (postgresUrl === undefined) throw new Error("give a PostgreSQL URL or set TEST_DATABASE_URL")
  const loadavgAtStart = loadAverages()
  const result = await withScratchDatabase(postgresUrl, async (url) => {
    const runtime = ManagedRuntime.make(layerPostgres(url))
    try {
      const persisted = await runtime.runPromise(measure(layerPersistedEvents().pipe(Layer.provide(host))))
      const inMemory = await Effect.runPromise(measure(EventBus.layer))
      return { persisted, inMemory }
    } finally {
      await runtime.dispose()
    }
  })
  process.stdout.write(
    `${JSON.stringify({ bench: "events", machine: machineFacts(loadavgAtStart), ...result }, null, 2)}\n`,
  )
}

await main()

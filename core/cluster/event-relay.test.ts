import assert from "node:assert/strict"
import { randomBytes, randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { Context, Effect, Layer, Queue, Stream } from "effect"
import { HostConfig } from "../config.ts"
import { EventBus } from "../events/bus.ts"
import type { PlatformEvent } from "../model/event.ts"
import { scratchDatabase } from "../store/testing.ts"
import { layerEventRelay } from "./event-relay.ts"

const adminUrl = process.env.TEST_DATABASE_URL
const skip = (adminUrl ?? "") === "" && process.env.CI !== "true" ? "TEST_DATABASE_URL not set" : false

/** One agent's bus with the relay on the cluster's database, built in the caller's scope. */
const agentBus = (url: string) =>
  Effect.gen(function* () {
    const host = { hostId: randomUUID(), storageDir: "/tmp", shutdownTimeoutMs: 1000, secretKey: randomBytes(32) }
    const layer = layerEventRelay(url).pipe(
      Layer.provideMerge(EventBus.layer),
      Layer.provide(Layer.succeed(HostConfig, HostConfig.of(host))),
    )
    const bus = Context.get(yield* Layer.build(layer), EventBus)
    const seen = yield* Queue.unbounded<PlatformEvent>()
    yield* Effect.forkScoped(Stream.runForEach(yield* bus.subscribe, (e) => Queue.offer(seen, e)))
    return { bus, seen }
  })

const stateEvent = (reason: string): PlatformEvent => ({
  _tag: "vm-state",
  companyId: randomUUID(),
  departmentId: randomUUID(),
  ownerId: randomUUID(),
  vmId: randomUUID(),
  from: "stopped",
  to: "running",
  cause: "platform",
  reason,
  at: new Date("2026-06-01T00:00:00Z"),
})

describe("events across agents (#16)", { skip }, () => {
  it("#16 an event one agent publishes reaches the others once, as it was, and never comes back", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const db = yield* scratchDatabase(adminUrl as string)
          const a = yield* agentBus(db.url)
          const b = yield* agentBus(db.url)
          const c = yield* agentBus(db.url)
          yield* a.bus.publish(stateEvent("from a"))
          yield* b.bus.publish(stateEvent("from b"))
          const reasons = (q: Queue.Queue<PlatformEvent>) =>
            Effect.map(Effect.all([Queue.take(q), Queue.take(q)]), (events) =>
              events.map((e) => (e._tag === "vm-state" ? e.reason : e._tag)).sort(),
            )
          assert.deepEqual(yield* reasons(c.seen), ["from a", "from b"])
          assert.deepEqual(yield* reasons(a.seen), ["from a", "from b"])
          assert.deepEqual(yield* reasons(b.seen), ["from a", "from b"])
          // A third event, then the queues hold exactly it: no echo of the earlier ones came meanwhile.
          yield* c.bus.publish(stateEvent("from c"))
          for (const agent of [a, b, c]) {
            const next = yield* Queue.take(agent.seen)
            assert.equal(next._tag === "vm-state" ? next.reason : next._tag, "from c")
          }
          assert.equal(yield* Queue.size(a.seen), 0)
        }),
      ),
    ))
})

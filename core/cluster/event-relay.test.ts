import assert from "node:assert/strict"
import { randomBytes, randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { Context, Effect, Layer, Queue, Schedule, Stream } from "effect"
import pg from "pg"
import { HostConfig } from "../config.ts"
import { EventBus } from "../events/bus.ts"
import type { PlatformEvent } from "../model/event.ts"
import { adminQuery, scratchDatabase } from "../store/testing.ts"
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

/** The pids of the sessions that have listened on the channel (their last statement), on database `name`. */
const channelSessions = (adminUrl: string, name: string) =>
  Effect.promise(async () => {
    const client = new pg.Client({ connectionString: adminUrl })
    await client.connect()
    const { rows } = await client.query<{ pid: number }>(
      "select pid from pg_stat_activity where datname = $1 and application_name = 'hyperx-events' " +
        "and state = 'idle' and query = 'listen hyperx_events'",
      [name],
    )
    await client.end()
    return rows.map((r) => r.pid)
  })

/** What a database restart or a network cut does to the relay's session: it ends, from the server's side. */
const terminateChannelSessions = (adminUrl: string, name: string) =>
  adminQuery(
    adminUrl,
    `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}' and application_name = 'hyperx-events'`,
  )

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

  it("#16 a terminated LISTEN session is replaced: the relay listens again and the events of every agent flow on", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const db = yield* scratchDatabase(adminUrl as string)
          const a = yield* agentBus(db.url)
          const b = yield* agentBus(db.url)
          const listening = () => channelSessions(adminUrl as string, db.name)
          const before = yield* listening()
          assert.equal(before.length, 2)
          yield* terminateChannelSessions(adminUrl as string, db.name)
          // Two new sessions, each past its LISTEN, replace the two terminated ones.
          yield* listening().pipe(
            Effect.repeat({
              schedule: Schedule.spaced("50 millis"),
              until: (pids) => pids.length === 2 && pids.every((pid) => !before.includes(pid)),
            }),
            // A relay that never listens again fails here rather than at the runner's timeout.
            Effect.timeout("60 seconds"),
          )
          // Both directions cross again (an event sent before the sender's new session was in place is sent again).
          const reasonOf = (e: PlatformEvent) => (e._tag === "vm-state" ? e.reason : e._tag)
          for (const [from, to, reason] of [
            [a, b, "a after"],
            [b, a, "b after"],
          ] as const) {
            const arrived = Queue.take(to.seen).pipe(Effect.repeat({ until: (e) => reasonOf(e) === reason }))
            yield* Effect.gen(function* () {
              yield* from.bus.publish(stateEvent(reason))
              return yield* arrived.pipe(Effect.timeoutOption("1 second"))
            }).pipe(Effect.repeat({ until: (got) => got._tag === "Some" }))
          }
        }),
      ),
    ))
})

import { randomBytes } from "node:crypto"
import { Clock, Effect, Layer, PubSub, Queue, Schema, Stream } from "effect"
import { whileLeader } from "../cluster/leader.ts"
import { HostConfig } from "../config.ts"
import { PlatformEvent } from "../model/event.ts"
import { now } from "../operations/clock.ts"
import { Store } from "../store/ports.ts"
import { EventBus, type Missed, type NumberedEvent } from "./bus.ts"

const Json = Schema.toCodecJson(PlatformEvent)
const encode = Schema.encodeSync(Json)
const decode = Schema.decodeUnknownOption(Json)

/** Events written in one statement at most; a burst larger than this takes several. */
const maxBatch = 500
/** At most this many missed events are replayed; a client further behind gets a gap and reloads. */
const maxReplay = 10_000
/** An id the events table gave: a positive int8 in decimal. */
const tableId = /^[1-9][0-9]{0,17}$/

export interface PersistedEventsOptions {
  /** How long events are kept for `?since=`; the leader deletes older ones. Default 15 minutes. */
  readonly retentionMs?: number
  /** How often the leader prunes; default a minute. */
  readonly pruneEveryMs?: number
}

export const defaultEventRetentionMs = 15 * 60_000

/**
 * #21 G4: the event bus over the events table (platform_events). `publish` queues the event and returns; one writer
 * fiber stores what is queued in one INSERT per batch (a burst of task events costs one statement, not one each) and
 * then hands the events, numbered by the table's sequence, to the subscribers in that order. So an id is the same on
 * every agent (the relay forwards it with the event) and `since=<id>` replays from the table, across a restart of
 * the agent and on any agent of the cluster, within the retention window.
 *
 * The price is the insert's round trip (about a millisecond on a local PostgreSQL) before subscribers see an event.
 * When the database cannot store a batch, its events still go out live with ids of this run only (`x<run>.<n>`): a
 * client that asks to resume after one of those gets a gap and reloads, as after any loss.
 *
 * Events still queued when the agent stops are stored on the way out.
 *
 * Ids come from a sequence, so two agents' concurrent batches may become visible out of id order: a client that
 * resumes on another agent right then can miss an event by its relay's latency, or get one twice. Both are rare
 * and the widgets reload on a gap and apply events idempotently.
 */
export const layerPersistedEvents = () =>
  Layer.effect(
    EventBus,
    Effect.gen(function* () {
      const store = yield* Store
      const { hostId } = yield* HostConfig
      const pubsub = yield* PubSub.unbounded<NumberedEvent>()
      const queue = yield* Queue.unbounded<PlatformEvent>()
      const run = randomBytes(4).toString("hex")
      let unstored = 0
      const deliver = (numbered: ReadonlyArray<NumberedEvent>) => PubSub.publishAll(pubsub, numbered)
      const storeBatch = (batch: ReadonlyArray<PlatformEvent>) =>
        Effect.gen(function* () {
          const at = yield* Clock.currentTimeMillis
          const ids = yield* store.platformEvents
            .append(
              hostId,
              batch.map((event) => encode(event)),
            )
            .pipe(
              Effect.catch((error) =>
                Effect.as(
                  Effect.logWarning("events could not be stored; sent live without replay", error),
                  batch.map(() => {
                    unstored += 1
                    return `x${run}.${unstored}`
                  }),
                ),
              ),
            )
          yield* deliver(
            batch.map((event, i) => {
              const id = ids[i] ?? `x${run}.0`
              return { id, sequence: tableId.test(id) ? Number(id) : 0, publishedAt: at, event }
            }),
          )
        })
      // On a stop, what is still queued is stored before the store closes: a client resuming after the restart (or
      // on another agent) gets it. Added before the writer, so it runs after the writer is interrupted.
      yield* Effect.addFinalizer(() =>
        Queue.clear(queue).pipe(
          Effect.flatMap((rest) => (rest.length === 0 ? Effect.void : storeBatch(rest))),
          Effect.ignore,
        ),
      )
      yield* Effect.forkScoped(
        Effect.forever(Effect.flatMap(Queue.takeBetween(queue, 1, maxBatch), (batch) => storeBatch([...batch]))),
      )
      const missedAfter = (since: string) =>
        Effect.gen(function* () {
          if (!tableId.test(since)) return "gap" as const
          if (!(yield* store.platformEvents.has(since))) return "gap" as const
          const rows = yield* store.platformEvents.after(since, maxReplay)
          if (rows.length === maxReplay) return "gap" as const
          const at = yield* Clock.currentTimeMillis
          const missed: Array<NumberedEvent> = []
          for (const row of rows) {
            const event = decode(row.event)
            if (event._tag === "Some") {
              missed.push({ id: row.id, sequence: Number(row.id), publishedAt: at, event: event.value })
            }
          }
          return missed
        }).pipe(Effect.catch(() => Effect.succeed("gap" as const)))
      return EventBus.of({
        publish: (event) => Queue.offer(queue, event).pipe(Effect.asVoid),
        receive: (id, event) =>
          Effect.flatMap(Clock.currentTimeMillis, (at) =>
            deliver([{ id, sequence: tableId.test(id) ? Number(id) : 0, publishedAt: at, event }]),
          ).pipe(Effect.asVoid),
        subscribe: Effect.map(PubSub.subscribe(pubsub), (subscription) =>
          Stream.fromSubscription(subscription).pipe(Stream.map((numbered) => numbered.event)),
        ),
        subscribeSince: (since) =>
          Effect.gen(function* () {
            const subscription = yield* PubSub.subscribe(pubsub)
            const missed: Missed = since === undefined ? [] : yield* missedAfter(since)
            // Subscribed before reading the table: what both hold is sent once, from the table.
            const replayed = new Set(missed === "gap" ? [] : missed.map((entry) => entry.id))
            const events = Stream.fromSubscription(subscription).pipe(Stream.filter((entry) => !replayed.has(entry.id)))
            return { missed, events }
          }),
      })
    }),
  )

/** #21: the leader deletes events older than the retention window, every `pruneEveryMs`. */
export const pruneEvents = (options: PersistedEventsOptions = {}) =>
  whileLeader(
    Effect.gen(function* () {
      const store = yield* Store
      const retention = options.retentionMs ?? defaultEventRetentionMs
      const at = yield* now
      yield* store.platformEvents.pruneBefore(new Date(at.getTime() - retention))
    }).pipe(
      Effect.catch((error) => Effect.logWarning("events could not be pruned", error)),
      Effect.andThen(Effect.sleep(options.pruneEveryMs ?? 60_000)),
      Effect.forever,
    ),
  )

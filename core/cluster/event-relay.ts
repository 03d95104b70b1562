import { Effect, Layer, Ref, Schedule, Schema, Stream } from "effect"
import pg from "pg"
import { HostConfig } from "../config.ts"
import type { StoreError } from "../errors.ts"
import { EventBus } from "../events/bus.ts"
import { PlatformEvent } from "../model/event.ts"
import { run } from "../store/run.ts"

/** The PostgreSQL channel every agent of a cluster publishes its events on and listens to. */
const channel = "hyperx_events"

/** One event on the wire: the host whose agent published it, the id it got there (#21) and the event as JSON. */
const Wire = Schema.toCodecJson(
  Schema.Struct({ from: Schema.String, id: Schema.optionalKey(Schema.String), event: PlatformEvent }),
)
const encode = Schema.encodeSync(Wire)
const decode = Schema.decodeUnknownSync(Wire)

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; such an event stays on its own agent (logged). */
const maxPayload = 7999

/** Waits between attempts to listen again after the channel's connection was lost: 100 ms doubling up to 5 s. */
export const relayBackoff = Schedule.min([Schedule.exponential("100 millis"), Schedule.spaced("5 seconds")])

/** A LISTEN session and the moment it ends (the server went away, the session was terminated, the network broke). */
interface Session {
  readonly client: pg.Client
  readonly ended: Promise<void>
}

/**
 * #16: the events of every host on every agent, over PostgreSQL LISTEN/NOTIFY on a connection of its own. What this
 * agent's operations publish is sent on the channel; what other agents send is published on this agent's bus, so
 * `WS /events` on any agent carries the whole cluster's tasks and state changes, still filtered per caller by the
 * socket (agent/ws/event-scope.ts). An event received is never sent again (no echo between agents).
 *
 * The first LISTEN is part of the agent's start (no database, no agent). When that session dies later (the server
 * restarted, `pg_terminate_backend`, a network cut), the relay connects and listens again with `relayBackoff`
 * until it succeeds; events sent by other agents meanwhile are not seen here, and this agent's own are only logged.
 */
export const layerEventRelay = (url: string) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const bus = yield* EventBus
      const { hostId } = yield* HostConfig
      const relayed = new WeakSet<object>()
      const onNotification = (message: pg.Notification) => {
        if (message.channel !== channel || message.payload === undefined) return
        const wire = (() => {
          try {
            return decode(JSON.parse(message.payload))
          } catch {
            return undefined
          }
        })()
        if (wire === undefined || wire.from === hostId) return
        relayed.add(wire.event)
        // The sender's id (its events table's), so that `?since=` means the same on every agent.
        Effect.runFork(wire.id === undefined ? bus.publish(wire.event) : bus.receive(wire.id, wire.event))
      }
      const listen = run("events.listen", async () => {
        const c = new pg.Client({ connectionString: url, application_name: "hyperx-events" })
        // Heard from the start, so that no end goes unseen; an unheard "error" would end the process.
        const ended = new Promise<void>((resolve) => {
          c.once("end", resolve)
          c.on("error", () => resolve())
        })
        c.on("notification", onNotification)
        await c.connect().catch(async (error) => {
          await c.end().catch(() => undefined)
          throw error
        })
        await c.query(`listen ${channel}`)
        return { client: c, ended } satisfies Session
      })
      const close = (session: Session) => Effect.promise(() => session.client.end().catch(() => undefined))
      /** The session events are sent on; none while the relay listens again. */
      const current = yield* Ref.make<Session | undefined>(undefined)
      const first = yield* listen
      yield* Ref.set(current, first)
      yield* Effect.addFinalizer(() =>
        Effect.flatMap(Ref.get(current), (c) => (c === undefined ? Effect.void : close(c))),
      )
      const again = listen.pipe(
        Effect.tapError((error) => Effect.logWarning("the cluster's event channel: listening again failed", error)),
        Effect.retry(relayBackoff),
      )
      /** Waits until `client`'s session dies, then listens again (as long as it takes) and watches the new one. */
      const watch = (session: Session): Effect.Effect<never, StoreError> =>
        Effect.gen(function* () {
          yield* Effect.promise(() => session.ended)
          yield* Ref.set(current, undefined)
          yield* close(session)
          yield* Effect.logWarning("the cluster's event channel was lost; listening again")
          const next = yield* again
          yield* Ref.set(current, next)
          return next
        }).pipe(Effect.flatMap(watch))
      yield* Effect.forkScoped(watch(first))
      const { events: local } = yield* bus.subscribeSince(undefined)
      yield* Effect.forkScoped(
        Stream.runForEach(local, ({ id, event }) =>
          Effect.gen(function* () {
            if (relayed.has(event)) return
            const payload = JSON.stringify(encode({ from: hostId, id, event }))
            if (Buffer.byteLength(payload) > maxPayload) {
              return yield* Effect.logWarning(
                `an event of ${payload.length} bytes is too large for the cluster's channel`,
              )
            }
            const session = yield* Ref.get(current)
            if (session === undefined) return yield* Effect.logWarning("an event was not sent: the channel is down")
            yield* run("events.notify", () =>
              session.client.query("select pg_notify($1, $2)", [channel, payload]),
            ).pipe(Effect.catch((error) => Effect.logWarning("could not send an event to the cluster", error)))
          }),
        ),
      )
    }),
  )

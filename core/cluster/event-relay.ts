import { Effect, Layer, Schema, Stream } from "effect"
import pg from "pg"
import { HostConfig } from "../config.ts"
import { EventBus } from "../events/bus.ts"
import { PlatformEvent } from "../model/event.ts"
import { run } from "../store/run.ts"

/** The PostgreSQL channel every agent of a cluster publishes its events on and listens to. */
const channel = "hyperx_events"

/** One event on the wire: the host whose agent published it, and the event as JSON. */
const Wire = Schema.toCodecJson(Schema.Struct({ from: Schema.String, event: PlatformEvent }))
const encode = Schema.encodeSync(Wire)
const decode = Schema.decodeUnknownSync(Wire)

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; such an event stays on its own agent (logged). */
const maxPayload = 7999

/**
 * #16: the events of every host on every agent, over PostgreSQL LISTEN/NOTIFY on a connection of its own. What this
 * agent's operations publish is sent on the channel; what other agents send is published on this agent's bus, so
 * `WS /events` on any agent carries the whole cluster's tasks and state changes, still filtered per caller by the
 * socket (agent/ws/event-scope.ts). An event received is never sent again (no echo between agents).
 */
export const layerEventRelay = (url: string) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const bus = yield* EventBus
      const { hostId } = yield* HostConfig
      const relayed = new WeakSet<object>()
      const client = yield* Effect.acquireRelease(
        run("events.listen", async () => {
          const c = new pg.Client({ connectionString: url, application_name: "hyperx-events" })
          // A lost connection emits "error"; unheard, it would end the process. The agent's own events still flow.
          c.on("error", (error) => console.error("hyperx: the cluster's event channel failed", error))
          await c.connect()
          await c.query(`listen ${channel}`)
          return c
        }),
        (c) => Effect.promise(() => c.end().catch(() => undefined)),
      )
      client.on("notification", (message) => {
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
        Effect.runFork(bus.publish(wire.event))
      })
      const local = yield* bus.subscribe
      yield* Effect.forkScoped(
        Stream.runForEach(local, (event) => {
          if (relayed.has(event)) return Effect.void
          const payload = JSON.stringify(encode({ from: hostId, event }))
          if (Buffer.byteLength(payload) > maxPayload) {
            return Effect.logWarning(`an event of ${payload.length} bytes is too large for the cluster's channel`)
          }
          return run("events.notify", () => client.query("select pg_notify($1, $2)", [channel, payload])).pipe(
            Effect.catch((error) => Effect.logWarning("could not send an event to the cluster", error)),
          )
        }),
      )
    }),
  )

import { upgradeWebSocket } from "@hono/node-server"
import { Effect, Exit, Fiber, Schema, Scope, Stream } from "effect"
import type { Context } from "hono"
import { EventBus, type NumberedEvent } from "../../core/events/bus.ts"
import {
  type PlatformEvent,
  TaskEvent,
  VmAlarmEvent,
  VmMigrationEvent,
  VmRemovedEvent,
  VmStateEvent,
} from "../../core/model/event.ts"
import type { RouteRegistrar } from "../app.ts"
import type { AgentEnv } from "../env.ts"
import { actorOfSecret, bearerSecret } from "../middleware/auth.ts"
import { doc, json } from "../openapi/describe.ts"
import { ApiId, Text } from "../validation/schemas.ts"
import { queryParams } from "../validation/validators.ts"
import { eventSeenBy } from "../views/host-paths.ts"
import { TaskSchema } from "../vms/responses.ts"
import { eventFrame, eventVisibleTo } from "./event-scope.ts"
import { bearerOfProtocols } from "./protocols.ts"
import { closeCodes, keepAlive, rawSocket, releaseWithConnection, requireWebSocket } from "./upgrade.ts"

const EventsQuery = Schema.Struct({
  /** Only the events of this VM (its tasks and state changes). */
  vmId: Schema.optionalKey(ApiId),
  /** The id of the last event the client saw: what came after it (and is still retained) is sent first. */
  since: Schema.optionalKey(Text(40)),
  lang: Schema.optionalKey(Text(35)),
})

export interface EventRouteOptions {
  /** How often idle clients are pinged; default 30 s. */
  readonly keepAliveMs?: number
  /** A client that has this many bytes unsent is too slow to follow the platform and is cut; default 16 MiB. */
  readonly maxBufferedBytes?: number
}

const vmIdOf = (event: PlatformEvent) => (event._tag === "task" ? event.task.vmId : event.vmId)

/**
 * Subscribe now, on the agent's runtime: every event published after this returns is kept for the socket, which
 * starts reading when it opens, after what the client missed since `since`. Closing the scope ends the subscription.
 */
const subscribe = async (c: Context<AgentEnv>, since: string | undefined) => {
  const scope = Scope.makeUnsafe()
  const { missed, events } = await c.var.runtime.runPromise(
    Scope.provide(scope)(EventBus.use((bus) => bus.subscribeSince(since))),
  )
  return { missed, events, scope }
}

/** A frame as the OpenAPI document names it: a PlatformEvent, its task described by the document's `Task`. */
const withId = { id: Schema.String.annotate({ description: "The event's id: send it back as ?since= on reconnect" }) }
const EventFrame = Schema.Union([
  TaskEvent.mapFields((fields) => ({ ...fields, ...withId, task: TaskSchema })),
  VmStateEvent.mapFields((fields) => ({ ...fields, ...withId })),
  VmRemovedEvent.mapFields((fields) => ({ ...fields, ...withId })),
  VmMigrationEvent.mapFields((fields) => ({ ...fields, ...withId })),
  VmAlarmEvent.mapFields((fields) => ({ ...fields, ...withId })),
  Schema.TaggedStruct("gap", {
    since: Schema.String.annotate({ description: "The id the client asked to resume after" }),
  }).annotate({
    description:
      "Some events after ?since= are no longer retained (older than the retention window, 15 minutes by default, " +
      "or more than 10,000), or the id is not one the events table gave: reload what you show, then follow the stream",
  }),
]).annotate({ identifier: "PlatformEvent" })

/**
 * WS /api/v1/events (G4): task progress and VM state changes as JSON text frames, each one a PlatformEvent
 * (`_tag` "task", "vm-state", "vm-removed", "vm-migration": R9's progress, or "vm-alarm": R1's), filtered to the caller's scope (G1). The subscription is made before
 * the handshake is answered, so an operation started after the socket opened is never missed.
 */
export const eventRoutes =
  (options: EventRouteOptions = {}): RouteRegistrar =>
  (api) => {
    const maxBuffered = options.maxBufferedBytes ?? 16 * 1024 * 1024
    api.get(
      "/events",
      doc({
        tag: "WebSockets",
        summary: "Follow task progress and VM state changes (WebSocket)",
        description:
          "Connect with a WebSocket; authenticate with `Authorization: Bearer …` or, from a browser, by offering the " +
          "subprotocols `hyperx.v1` and `hyperx.bearer.<token>` (the server answers `hyperx.v1`; no token in the " +
          "URL). Each text frame is one event in the caller's scope, with its `id`: `task` (a task started, " +
          "progressed or finished), `vm-state` (from, to, cause), `vm-removed`, `vm-migration` (R9's progress) or " +
          "`vm-alarm` (R1: an alarm rule of the VM fired or recovered). `vmId` narrows the stream to one " +
          "VM. `since` (the last id seen) first replays what was missed, or sends one `gap` frame when that is no " +
          "longer retained. The server pings every 30 s.",
        public: true,
        ok: {
          101: json("Switching Protocols: the event stream; each text frame is one PlatformEvent", EventFrame),
        },
        errors: [400, 401],
      }),
      requireWebSocket(),
      queryParams(EventsQuery),
      upgradeWebSocket(async (context) => {
        const c = context as unknown as Context<AgentEnv>
        // Validated by queryParams above; the upgrade helper's context has lost the validated types.
        const vmId = c.req.query("vmId")
        const since = c.req.query("since")
        const secret =
          bearerSecret(c.req.header("Authorization")) ?? bearerOfProtocols(c.req.header("Sec-WebSocket-Protocol"))
        const actor = await actorOfSecret(c, secret)
        const { missed, events, scope } = await subscribe(c, since)
        let reader: Fiber.Fiber<void, unknown> | undefined
        let stopPings = () => {}
        let released = false
        const release = () => {
          if (released) return
          released = true
          stopPings()
          const done = reader === undefined ? Effect.void : Fiber.interrupt(reader)
          c.var.runtime.runFork(Effect.andThen(done, Scope.close(scope, Exit.void)))
        }
        releaseWithConnection(c, release)
        const wanted = (event: PlatformEvent) =>
          eventVisibleTo(actor, event) && (vmId === undefined || vmIdOf(event) === vmId)
        return {
          onOpen: (_event, ws) => {
            const socket = rawSocket(ws)
            stopPings = keepAlive(socket, options.keepAliveMs)
            const send = ({ id, event }: NumberedEvent) => {
              if (!wanted(event) || socket.readyState !== socket.OPEN) return
              if (socket.bufferedAmount > maxBuffered) socket.close(closeCodes.tryAgainLater, "client too slow")
              else socket.send(eventFrame(eventSeenBy(actor, event), id))
            }
            if (missed === "gap") socket.send(JSON.stringify({ _tag: "gap", since }))
            else for (const entry of missed) send(entry)
            reader = c.var.runtime.runFork(Stream.runForEach(events, (entry) => Effect.sync(() => send(entry))))
          },
          onClose: release,
          onError: release,
        }
      }),
    )
  }

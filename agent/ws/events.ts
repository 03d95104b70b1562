import { upgradeWebSocket } from "@hono/node-server"
import { Effect, Exit, Fiber, Schema, Scope, Stream } from "effect"
import type { Context } from "hono"
import { EventBus } from "../../core/events/bus.ts"
import {
  type PlatformEvent,
  TaskEvent,
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
import { closeCodes, keepAlive, rawSocket, releaseWithConnection, requireWebSocket } from "./upgrade.ts"

const EventsQuery = Schema.Struct({
  /** The bearer secret, for clients that cannot send an Authorization header (browsers). */
  token: Schema.optionalKey(Text(200)),
  /** Only the events of this VM (its tasks and state changes). */
  vmId: Schema.optionalKey(ApiId),
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
 * starts reading when it opens. Closing the scope ends the subscription.
 */
const subscribe = async (c: Context<AgentEnv>) => {
  const scope = Scope.makeUnsafe()
  const events = await c.var.runtime.runPromise(Scope.provide(scope)(EventBus.use((bus) => bus.subscribe)))
  return { events, scope }
}

/** A frame as the OpenAPI document names it: a PlatformEvent, its task described by the document's `Task`. */
const EventFrame = Schema.Union([
  TaskEvent.mapFields((fields) => ({ ...fields, task: TaskSchema })),
  VmStateEvent,
  VmRemovedEvent,
  VmMigrationEvent,
]).annotate({ identifier: "PlatformEvent" })

/**
 * WS /api/v1/events (G4): task progress and VM state changes as JSON text frames, each one a PlatformEvent
 * (`_tag` "task", "vm-state", "vm-removed" or "vm-migration": R9's progress), filtered to the caller's scope (G1). The subscription is made before
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
          "Connect with a WebSocket; authenticate with `Authorization: Bearer …` or `?token=`. Each text frame is one " +
          "event in the caller's scope: `task` (a task started, progressed or finished), `vm-state` (from, to, " +
          "cause) or `vm-removed`. `vmId` narrows the stream to one VM. The server pings every 30 s.",
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
        const actor = await actorOfSecret(c, c.req.query("token") ?? bearerSecret(c.req.header("Authorization")))
        const { events, scope } = await subscribe(c)
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
            reader = c.var.runtime.runFork(
              Stream.runForEach(events, (event) =>
                Effect.sync(() => {
                  if (!wanted(event) || socket.readyState !== socket.OPEN) return
                  if (socket.bufferedAmount > maxBuffered) socket.close(closeCodes.tryAgainLater, "client too slow")
                  else socket.send(eventFrame(eventSeenBy(actor, event)))
                }),
              ),
            )
          },
          onClose: release,
          onError: release,
        }
      }),
    )
  }

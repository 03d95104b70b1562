import type { Duplex } from "node:stream"
import { upgradeWebSocket } from "@hono/node-server"
import { Schema } from "effect"
import type { Context } from "hono"
import { Task } from "../../core/model/task.ts"
import { consoleEndpoint, recordConsoleOpened } from "../../core/operations/console.ts"
import type { RouteRegistrar } from "../app.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { ApiError } from "../errors/api-error.ts"
import { apiErrors } from "../errors/messages.ts"
import { doc, json } from "../openapi/describe.ts"
import { IdParam } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"
import { type ConsolePipe, connectEndpoint, pipeConsole } from "./console-pipe.ts"
import { SerialHub } from "./serial-hub.ts"
import type { ConsoleGrant, ConsoleTickets, RemoteConsole } from "./tickets.ts"
import { keepAlive, rawSocket, releaseWithConnection, requireWebSocket } from "./upgrade.ts"

const tag = "Console"
const ConsoleKindSchema = Schema.Literals(["vnc", "serial"])

const ConsoleRequest = Schema.Struct({
  /** Which console: the screen (VNC, default) or the first serial port. */
  kind: Schema.optionalKey(ConsoleKindSchema),
}).annotate({ identifier: "ConsoleRequest" })

const ConsoleTicketSchema = Schema.Struct({
  ticket: Schema.String,
  kind: ConsoleKindSchema,
  /** Where to connect the WebSocket: ws: or wss: on the agent's public address (HYPERX_PUBLIC_URL). */
  url: Schema.String,
  /** The same, relative to the agent, for clients that know better where the agent is. */
  path: Schema.String,
  expiresAt: Schema.String,
  /** The task that records who opened the console. */
  task: Task.annotate({ identifier: "Task" }),
}).annotate({ identifier: "ConsoleTicket" })

/** 32 random bytes, base64url. */
const TicketParam = Schema.Struct({
  ticket: Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_-]{43}$/, { message: "Expected a console ticket" })),
})

const invalidTicket = () =>
  new ApiError(401, "invalid-ticket", {
    en: "The console ticket is unknown, already used or expired; ask for a new one",
    zh: "控制台票据无效、已被使用或已过期，请重新申请",
  })

export const consolePath = (ticket: string) => `/api/v1/console/${ticket}`

/**
 * The WebSocket URL of an API path on the agent's public address (which may carry a path prefix of a proxy). Never
 * from the request's Host header: a forged Host would hand a client a ticket for somebody else's server.
 */
export const webSocketUrl = (publicUrl: string, path: string): string => {
  const url = new URL(publicUrl.replace(/\/+$/, "") + path)
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:"
  return url.toString()
}

/**
 * POST /api/v1/vms/{id}/console (B5): a one-time ticket for the VM's VNC or serial console, only while it runs.
 * Behind the bearer-token check.
 */
export const consoleTicketRoutes =
  (tickets: ConsoleTickets, publicUrl: () => string): RouteRegistrar =>
  (api) => {
    api.post(
      "/vms/:id/console",
      doc({
        tag,
        summary: "A one-time ticket to open the VM's console (B5), only while it runs",
        description:
          "Connect a WebSocket to `url` within 60 s; the ticket works once. `vnc` carries the raw RFB stream in " +
          "binary frames (noVNC connects to it as to websockify); `serial` carries the serial port's bytes in " +
          "binary frames and takes text or binary frames as keystrokes.",
        ok: { 201: json("The ticket and where to use it", ConsoleTicketSchema) },
        errors: [400, 404, 409, 415],
      }),
      pathParams(IdParam),
      jsonBody(ConsoleRequest),
      async (c) => {
        const vmId = c.req.valid("param").id
        const kind = c.req.valid("json").kind ?? "vnc"
        const task = await runEffect(c, recordConsoleOpened(c.var.actor, vmId, kind))
        const issued = tickets.issue({ vmId, kind, actor: c.var.actor })
        const path = consolePath(issued.ticket)
        return c.json(
          {
            ticket: issued.ticket,
            kind,
            url: webSocketUrl(publicUrl(), path),
            path,
            expiresAt: issued.expiresAt,
            task,
          },
          201,
        )
      },
    )
  }

/** #16: opens another host's console through its agent (agent/cluster/console-proxy.ts). */
export type OpenRemoteConsole = (remote: RemoteConsole, grant: ConsoleGrant, c: Context<AgentEnv>) => Promise<Duplex>

export interface ConsoleSocketOptions {
  /** How often the client is pinged; default 30 s. */
  readonly keepAliveMs?: number
  /** #16: in a cluster, how a ticket for another host's console is opened; without, such tickets are refused. */
  readonly openRemote?: OpenRemoteConsole
}

/** Opens the console a redeemed ticket grants, or answers the upgrade with the error (401, 404, 409, 502). */
const openConsole = async (
  c: Context<AgentEnv>,
  tickets: ConsoleTickets,
  options: ConsoleSocketOptions,
  serialHub: SerialHub,
): Promise<Duplex> => {
  const grant = tickets.redeem(c.req.param("ticket") ?? "")
  if (grant === undefined) throw invalidTicket()
  if (grant.remote !== undefined) {
    if (options.openRemote === undefined) throw invalidTicket()
    return options.openRemote(grant.remote, grant, c)
  }
  const endpoint = await runEffect(c, consoleEndpoint(grant.actor, grant.vmId, grant.kind))
  const connect = () =>
    connectEndpoint(endpoint).catch(() => {
      throw apiErrors.hypervisor(true)
    })
  if (grant.kind !== "serial") return connect()
  // A serial port takes one client at a time: every window on it shares one connection.
  const key = endpoint.kind === "unix" ? endpoint.path : `${endpoint.host}:${endpoint.port}`
  return serialHub.join(key, connect)
}

/**
 * WS /api/v1/console/{ticket}: redeems the ticket (a second use is refused with 401), checks again that the VM
 * runs, connects to the console before answering the handshake, then bridges bytes both ways until either side
 * closes. Public: the ticket is the credential.
 */
export const consoleSocketRoutes =
  (tickets: ConsoleTickets, options: ConsoleSocketOptions = {}): RouteRegistrar =>
  (api) => {
    const serialHub = new SerialHub()
    api.get(
      "/console/:ticket",
      doc({
        tag,
        summary: "The console a ticket grants (WebSocket; noVNC-compatible for vnc)",
        description:
          "Binary frames carry the console's bytes both ways (RFB for vnc, the serial port for serial). A ticket " +
          "works once; an unknown, used or expired one is refused with 401, a VM that no longer runs with 409.",
        public: true,
        ok: { 101: { description: "Switching Protocols: the console stream" } },
        errors: [400, 401, 404, 409],
      }),
      requireWebSocket(),
      pathParams(TicketParam),
      upgradeWebSocket(async (context) => {
        const c = context as unknown as Context<AgentEnv>
        const target = await openConsole(c, tickets, options, serialHub)
        let pipe: ConsolePipe | undefined
        let stopPings = () => {}
        const release = () => {
          stopPings()
          target.destroy()
        }
        releaseWithConnection(c, release)
        return {
          onOpen: (_event, ws) => {
            const socket = rawSocket(ws)
            stopPings = keepAlive(socket, options.keepAliveMs)
            pipe = pipeConsole(socket, target)
          },
          onMessage: (event) => {
            const data = event.data
            if (typeof data === "string" || data instanceof ArrayBuffer) pipe?.fromClient(data)
          },
          onClose: release,
          onError: release,
        }
      }),
    )
  }

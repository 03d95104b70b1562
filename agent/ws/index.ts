/** The agent's WebSocket endpoints: the event stream and the consoles (B5, G4), for createApp's route seams. */
import type { WebSocketServer } from "ws"
import type { RouteRegistrar } from "../app.ts"
import { consoleSocketRoutes, consoleTicketRoutes, type OpenRemoteConsole } from "./console.ts"
import { type EventRouteOptions, eventRoutes } from "./events.ts"
import { ConsoleTickets } from "./tickets.ts"
import { closeCodes } from "./upgrade.ts"

export { consolePath, type OpenRemoteConsole, webSocketUrl } from "./console.ts"
export { eventFrame, eventVisibleTo } from "./event-scope.ts"
export type { EventRouteOptions } from "./events.ts"
export {
  type ConsoleGrant,
  type ConsoleKind,
  ConsoleTickets,
  type IssuedTicket,
  type RemoteConsole,
} from "./tickets.ts"

export interface WebSocketRoutesOptions extends EventRouteOptions {
  /** The ticket book; default one with 60 s tickets on the real clock. */
  readonly tickets?: ConsoleTickets
  /**
   * The agent's public address (http(s)://host[:port][/prefix]) that console URLs are built on; asked for each
   * ticket, as the port is known only once the agent listens.
   */
  readonly publicUrl: () => string
  /** #16: how a ticket for another host's console is opened (agent/cluster/console-proxy.ts). */
  readonly openRemote?: OpenRemoteConsole
}

export interface WebSocketRoutes {
  readonly tickets: ConsoleTickets
  /** For createApp's `publicRoutes`: the WebSockets, which check a token or a ticket themselves. */
  readonly publicRoutes: ReadonlyArray<RouteRegistrar>
  /** For createApp's `authenticatedRoutes`: POST /vms/{id}/console. */
  readonly authenticatedRoutes: ReadonlyArray<RouteRegistrar>
}

/** Every WebSocket route and the console-ticket route, sharing one ticket book. */
export const webSocketRoutes = (options: WebSocketRoutesOptions): WebSocketRoutes => {
  const tickets = options.tickets ?? new ConsoleTickets()
  return {
    tickets,
    publicRoutes: [eventRoutes(options), consoleSocketRoutes(tickets, options)],
    authenticatedRoutes: [consoleTicketRoutes(tickets, options.publicUrl)],
  }
}

/**
 * On shutdown: tell every WebSocket client the agent is going away (1001), then cut those that have not closed
 * after `graceMs`. The server cannot finish closing while an upgraded socket is open.
 */
export const closeWebSockets = (server: WebSocketServer, graceMs = 1_000): Promise<void> => {
  const clients = [...server.clients]
  if (clients.length === 0) return Promise.resolve()
  for (const client of clients) client.close(closeCodes.goingAway, "agent stopping")
  return new Promise((resolve) => {
    const deadline = setTimeout(() => {
      for (const client of server.clients) client.terminate()
      resolve()
    }, graceMs)
    const check = () => {
      if (server.clients.size > 0) return
      clearTimeout(deadline)
      resolve()
    }
    for (const client of clients) client.once("close", check)
    check()
  })
}

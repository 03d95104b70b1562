import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import { serve, type WebSocketServerLike } from "@hono/node-server"
import { Effect } from "effect"
import type { Hono } from "hono"
import type { WebSocketServer } from "ws"
import { Store } from "../../core/store/ports.ts"
import type { AgentEnv } from "../env.ts"
import { webSocketServer } from "../ws/protocols.ts"

export interface ServedApp {
  readonly server: Server
  /** The WebSocket server behind every upgradeWebSocket route (no listener of its own). */
  readonly wss: WebSocketServer
  readonly port: number
}

/**
 * Serves the app, WebSockets included: node-server hands upgrades to Hono's routes through `wss`. No other
 * `upgrade` listener may be added to this server: with two, unknown WebSocket paths hang instead of getting 404.
 */
export const listen = (app: Hono<AgentEnv>, hostname: string, port: number): Promise<ServedApp> =>
  new Promise((resolve, reject) => {
    const wss = webSocketServer()
    const server = serve(
      { fetch: app.fetch, hostname, port, websocket: { server: wss as unknown as WebSocketServerLike } },
      (info: AddressInfo) => resolve({ server: server as Server, wss, port: info.port }),
    )
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`Port ${port} on ${hostname} is in use; choose another with --port or HYPERX_PORT`)
          : error,
      ),
    )
  })

/** With --port 0 the real port is known only once listening: the host's row says where the agent answers. */
export const updateHostAddress = (hostId: string, address: string) =>
  Store.use((store) => store.hosts.update(hostId, { address })).pipe(Effect.asVoid)

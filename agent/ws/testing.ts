/**
 * Test support for the WebSocket endpoints: the agent harness served on a real socket (WebSockets need one), a
 * clock for the ticket book, and WebSocket clients that collect what they receive.
 */
import type { AddressInfo } from "node:net"
import { after, before } from "node:test"
import { serve, type WebSocketServerLike } from "@hono/node-server"
import { WebSocket, type WebSocketServer } from "ws"
import type { StoreBackend } from "../../core/store/testing.ts"
import { type AgentHarness, useAgent } from "../testing/harness.ts"
import { ConsoleTickets, closeWebSockets, webSocketRoutes } from "./index.ts"
import { webSocketServer } from "./protocols.ts"

export interface ServedAgent {
  readonly agent: AgentHarness
  /** http://127.0.0.1:<port> */
  readonly base: () => string
  /** ws://127.0.0.1:<port> */
  readonly wsBase: () => string
  /** The ticket book's clock, in epoch ms; move it to expire tickets. */
  readonly clock: { now: number }
  readonly tickets: ConsoleTickets
  readonly wss: () => WebSocketServer
}

export const useServedAgent = (backend: StoreBackend, options: { readonly keepAliveMs?: number } = {}): ServedAgent => {
  const clock = { now: Date.now() }
  const tickets = new ConsoleTickets({ now: () => clock.now })
  let port = 0
  const routes = webSocketRoutes({ tickets, publicUrl: () => `http://127.0.0.1:${port}`, ...options })
  const agent = useAgent(backend, {
    publicRoutes: routes.publicRoutes,
    authenticatedRoutes: routes.authenticatedRoutes,
  })
  let server: ReturnType<typeof serve> | undefined
  let wss: WebSocketServer | undefined
  before(async () => {
    const sockets = webSocketServer()
    wss = sockets
    await new Promise<void>((resolve) => {
      server = serve(
        {
          fetch: agent.app.fetch,
          port: 0,
          hostname: "127.0.0.1",
          websocket: { server: sockets as unknown as WebSocketServerLike },
        },
        (info: AddressInfo) => {
          port = info.port
          resolve()
        },
      )
    })
  })
  after(async () => {
    if (wss) await closeWebSockets(wss, 200)
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  })
  return {
    agent,
    base: () => `http://127.0.0.1:${port}`,
    wsBase: () => `ws://127.0.0.1:${port}`,
    clock,
    tickets,
    wss: () => {
      if (!wss) throw new Error("used before the server started")
      return wss
    },
  }
}

/** A WebSocket client that keeps every frame and how the socket ended. */
export interface Client {
  readonly socket: WebSocket
  readonly texts: Array<string>
  /** Every binary frame, concatenated. */
  bytes: Buffer
  closed: { code: number; reason: string } | undefined
  /** Resolves when `predicate` holds over what arrived so far; rejects after `timeoutMs`. */
  readonly until: (what: string, predicate: () => boolean, timeoutMs?: number) => Promise<void>
  readonly close: () => void
}

/** Opens a WebSocket; rejects with `HTTP <status>` when the server refuses the upgrade. */
export const connect = (
  url: string,
  options: {
    readonly headers?: Record<string, string>
    readonly protocols?: ReadonlyArray<string>
    /** false: never answer the server's pings (a client that went away without closing). */
    readonly autoPong?: boolean
  } = {},
): Promise<Client> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url, [...(options.protocols ?? [])], {
      headers: options.headers ?? {},
      autoPong: options.autoPong ?? true,
    })
    const client: Client = {
      socket,
      texts: [],
      bytes: Buffer.alloc(0),
      closed: undefined,
      until: async (what, predicate, timeoutMs = 10_000) => {
        const deadline = Date.now() + timeoutMs
        while (!predicate()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
          await new Promise((r) => setTimeout(r, 10))
        }
      },
      close: () => socket.close(),
    }
    socket.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) client.bytes = Buffer.concat([client.bytes, data])
      else client.texts.push(data.toString("utf8"))
    })
    socket.on("close", (code: number, reason: Buffer) => {
      client.closed = { code, reason: reason.toString() }
    })
    socket.once("unexpected-response", (_request, response) => {
      reject(new Error(`HTTP ${response.statusCode}`))
      socket.terminate()
    })
    socket.once("error", reject)
    socket.once("open", () => resolve(client))
  })

// biome-ignore lint/suspicious/noExplicitAny: tests read events loosely, as a client would
export const eventsOf = (client: Client): Array<any> => client.texts.map((text) => JSON.parse(text))

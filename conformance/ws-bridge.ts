import { connect } from "node:net"
import { Effect, type Scope } from "effect"
import { type WebSocket, WebSocketServer } from "ws"
import type { ConsoleEndpoint } from "../core/driver/driver.ts"
import { CaseFailure, describeError } from "./failure.ts"

/** Pipes one WebSocket client to a fresh connection to the endpoint, bytes as binary messages both ways. */
const pipeTo = (endpoint: ConsoleEndpoint) => (client: WebSocket) => {
  const socket = endpoint.kind === "unix" ? connect(endpoint.path) : connect(endpoint.port, endpoint.host)
  socket.on("data", (chunk: Buffer) => client.send(chunk))
  socket.on("error", () => client.close(1011, "console endpoint failed"))
  socket.on("close", () => client.close())
  client.on("message", (data: Buffer) => socket.write(data))
  client.on("close", () => socket.destroy())
  client.on("error", () => socket.destroy())
}

/**
 * A WebSocket server on 127.0.0.1 that bridges each client to the console endpoint, as the agent does for noVNC.
 * Returns its URL; the server and its connections close with the scope.
 */
export const bridgeToWebSocket = (endpoint: ConsoleEndpoint): Effect.Effect<string, CaseFailure, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<WebSocketServer, CaseFailure>((resume) => {
      const server: WebSocketServer = new WebSocketServer({ host: "127.0.0.1", port: 0 }, (): void =>
        resume(Effect.succeed(server)),
      )
      server.once("error", (error: Error) =>
        resume(Effect.fail(new CaseFailure({ message: `cannot open a WebSocket bridge: ${describeError(error)}` }))),
      )
    }),
    (server) =>
      Effect.callback<void>((resume) => {
        for (const client of server.clients) client.terminate()
        server.close(() => resume(Effect.void))
      }),
  ).pipe(
    Effect.map((server) => {
      server.on("connection", pipeTo(endpoint))
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      return `ws://127.0.0.1:${port}/`
    }),
  )

import type { IncomingMessage } from "node:http"
import type { Context } from "hono"
import { createMiddleware } from "hono/factory"
import type { WSContext } from "hono/ws"
import type { WebSocket } from "ws"
import type { AgentEnv } from "../env.ts"
import { ApiError } from "../errors/api-error.ts"

/**
 * Routes that only speak WebSocket answer a plain request with 400 before anything else runs: the upgrade helper
 * would otherwise authenticate and subscribe for a request that can never become a socket.
 */
export const requireWebSocket = () =>
  createMiddleware<AgentEnv>(async (c, next) => {
    if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError(400, "websocket-required", {
        en: "This route is a WebSocket endpoint: connect with a WebSocket client",
        zh: "此接口为 WebSocket 端点，请使用 WebSocket 客户端连接",
      })
    }
    await next()
  })

/**
 * Runs `release` when the client's TCP connection ends: before the handshake completes (the client gave up, so no
 * onClose will ever come) or after the socket closed. Whatever the route acquired for the socket must be let go by
 * then; `release` must tolerate running twice (onClose may call it too).
 */
export const releaseWithConnection = (c: Context<AgentEnv>, release: () => void) => {
  const incoming = (c.env as { readonly incoming?: IncomingMessage } | undefined)?.incoming
  incoming?.socket.once("close", release)
}

/** The `ws` socket under Hono's WebSocket context (node-server hands Hono the ws library's socket). */
export const rawSocket = (ws: WSContext): WebSocket => ws.raw as WebSocket

/**
 * Pings the client every `intervalMs`; a client that has not answered the previous ping by the next one is gone
 * (a laptop that slept, a dropped NAT entry) and its socket is cut. Returns a stop function.
 */
export const keepAlive = (socket: WebSocket, intervalMs = 30_000): (() => void) => {
  let answered = true
  const onPong = () => {
    answered = true
  }
  socket.on("pong", onPong)
  const timer = setInterval(() => {
    if (!answered) {
      socket.terminate()
      return
    }
    answered = false
    socket.ping()
  }, intervalMs)
  timer.unref()
  return () => {
    clearInterval(timer)
    socket.off("pong", onPong)
  }
}

/** Close codes the endpoints use (RFC 6455 §7.4.1). */
export const closeCodes = {
  normal: 1000,
  goingAway: 1001,
  internalError: 1011,
  tryAgainLater: 1013,
} as const

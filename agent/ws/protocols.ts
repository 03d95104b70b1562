import { WebSocketServer } from "ws"

/**
 * The events socket's subprotocols (#21): a browser cannot set an Authorization header on a WebSocket, and a token
 * in the URL ends up in proxies' access logs. So the client offers two subprotocols,
 *
 *   new WebSocket(url, ["hyperx.v1", `hyperx.bearer.${token}`])
 *
 * and the server answers `hyperx.v1` only: the secret travels in the Sec-WebSocket-Protocol request header, never in
 * a URL and never back (the same scheme as Kubernetes' `base64url.bearer.authorization.k8s.io.`).
 */
export const eventsProtocol = "hyperx.v1"
const bearerPrefix = "hyperx.bearer."

/** The offered subprotocols of a Sec-WebSocket-Protocol header. */
const offered = (header: string | undefined) =>
  (header ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")

/** The bearer secret a client offered as a subprotocol, if any. */
export const bearerOfProtocols = (header: string | undefined): string | undefined =>
  offered(header)
    .find((protocol) => protocol.startsWith(bearerPrefix))
    ?.slice(bearerPrefix.length)

/**
 * The ws server's `handleProtocols`: answer `hyperx.v1` when offered, else the first offered protocol that carries no
 * secret, else none. Never the bearer one (ws would otherwise echo the first offered).
 */
export const chooseProtocol = (protocols: Set<string>): string | false => {
  if (protocols.has(eventsProtocol)) return eventsProtocol
  for (const protocol of protocols) if (!protocol.startsWith(bearerPrefix)) return protocol
  return false
}

/** The ws server every agent (and test harness) hands node-server for upgrades: it chooses subprotocols as above. */
export const webSocketServer = (): WebSocketServer =>
  new WebSocketServer({ noServer: true, handleProtocols: chooseProtocol })

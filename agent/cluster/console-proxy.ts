import type { Duplex } from "node:stream"
import { Schema } from "effect"
import type { Context } from "hono"
import { createWebSocketStream, WebSocket } from "ws"
import type { AgentEnv } from "../env.ts"
import { ApiError, type ErrorStatus } from "../errors/api-error.ts"
import { apiErrors } from "../errors/messages.ts"
import { type ConsoleTickets, consolePath, type OpenRemoteConsole, webSocketUrl } from "../ws/index.ts"
import { signedHeaders } from "./forward.ts"
import type { ClusterLink } from "./link.ts"

/** What this agent needs to hand out and open relayed consoles (#16). */
export interface ConsoleRelay {
  readonly tickets: ConsoleTickets
  /** This agent's public address: the relayed ticket's URL points here, not at the VM's host. */
  readonly publicUrl: () => string
}

const PeerTicket = Schema.Struct({ ticket: Schema.String, kind: Schema.Literals(["vnc", "serial"]) })

/**
 * #16: the answer of the VM's host to a forwarded POST /vms/{id}/console becomes a ticket of this agent: a client
 * that can reach only this agent (a portal's proxy, a firewall) connects here, and this agent redeems the host's
 * ticket there (openRemoteConsole). The host's task (who opened the console) stays as it answered.
 */
export const relayConsoleTicket = async (
  relay: ConsoleRelay,
  c: Context<AgentEnv>,
  vmId: string,
  host: { readonly id: string; readonly address: string },
  answer: Response,
): Promise<Response> => {
  if (answer.status !== 201) return answer
  const body = (await answer.json()) as Record<string, unknown>
  const peer = Schema.decodeUnknownSync(PeerTicket)(body)
  const issued = relay.tickets.issue({
    vmId,
    kind: peer.kind,
    actor: c.var.actor,
    remote: { hostId: host.id, address: host.address, ticket: peer.ticket },
  })
  const path = consolePath(issued.ticket)
  const relayed = {
    ...body,
    ticket: issued.ticket,
    url: webSocketUrl(relay.publicUrl(), path),
    path,
    expiresAt: issued.expiresAt,
  }
  return c.json(relayed, 201, { "x-hyperx-answered-by": host.id })
}

const relayedStatuses: ReadonlyArray<ErrorStatus> = [400, 401, 403, 404, 409, 502, 503]

/**
 * The host's refusal of the upgrade (401 used ticket, 409 no longer running, …) as this agent's: the status only,
 * as a refused WebSocket upgrade carries no body.
 */
const refusalOf = (status: number, hostId: string): ApiError => {
  const known = relayedStatuses.find((s) => s === status)
  if (known === undefined) return apiErrors.peerUnreachable(hostId)
  return new ApiError(known, "console-refused", {
    en: `The agent of host ${hostId} refused the console (HTTP ${status})`,
    zh: `主机 ${hostId} 的代理拒绝了控制台连接（HTTP ${status}）`,
  })
}

/**
 * #16: connects to the console WebSocket of the VM's host with the ticket it issued, signed as the caller (as
 * forwarded requests are), and gives the stream for pipeConsole. Resolves once the host has opened its console;
 * a refusal there is this agent's refusal, an agent that does not answer is 503 host-unreachable.
 */
export const openRemoteConsole =
  (link: ClusterLink): OpenRemoteConsole =>
  (remote, grant, c) =>
    new Promise<Duplex>((resolve, reject) => {
      const path = consolePath(remote.ticket)
      const language = c.req.header("accept-language")
      const headers = signedHeaders(link, grant.actor, {
        method: "GET",
        path,
        body: new Uint8Array(),
        headers: { "accept-language": language },
      })
      const protocol = c.req.header("sec-websocket-protocol")
      const protocols = protocol === undefined ? [] : protocol.split(",").map((p) => p.trim())
      const socket = new WebSocket(webSocketUrl(remote.address, path), protocols, { headers })
      socket.once("unexpected-response", (_request, response) => {
        reject(refusalOf(response.statusCode ?? 0, remote.hostId))
        socket.terminate()
      })
      socket.once("error", () => reject(apiErrors.peerUnreachable(remote.hostId)))
      socket.once("open", () => resolve(createWebSocketStream(socket)))
    })

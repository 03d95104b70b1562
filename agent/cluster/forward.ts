import type { Actor } from "../../core/rules/context.ts"
import { apiErrors } from "../errors/messages.ts"
import type { ClusterLink } from "./link.ts"
import { forwardHeaders, signForward } from "./signature.ts"

/** The answer headers a forwarded answer keeps; hop-by-hop and length headers are the proxying server's own. */
const keptHeaders = ["content-type", "content-disposition", "retry-after", "allow", "cache-control", "etag"]

/** The request headers a forward passes on besides its own. */
const passedHeaders = ["content-type", "accept-language", "accept", "if-match"]

export interface Forward {
  readonly method: string
  /** Path and query, from /api/v1 on. */
  readonly path: string
  readonly body: Uint8Array
  readonly headers?: Readonly<Record<string, string | undefined>>
}

/** The headers that sign `forward` as `actor` from this agent (#16): caller, sender, time and the HMAC over them. */
export const signedHeaders = (link: ClusterLink, actor: Actor, forward: Forward): Record<string, string> => {
  const at = link.now()
  const facts = { ...forward, at, callerId: actor.userId, from: link.hostId }
  const headers: Record<string, string> = {
    [forwardHeaders.caller]: actor.userId,
    [forwardHeaders.from]: link.hostId,
    [forwardHeaders.at]: String(at),
    [forwardHeaders.signature]: signForward(link.secret, facts),
  }
  for (const name of passedHeaders) {
    const value = forward.headers?.[name]
    if (value !== undefined) headers[name] = value
  }
  return headers
}

/**
 * Sends a request to the agent at `address` as `actor`, signed with the cluster secret (#16). The receiving agent
 * checks the signature, the timestamp and that it has not seen the signature before, then acts as the caller.
 * An agent that does not answer is the API's 503 host-unreachable.
 */
export const sendForward = async (
  link: ClusterLink,
  address: string,
  hostId: string,
  actor: Actor,
  forward: Forward,
): Promise<Response> => {
  const headers = signedHeaders(link, actor, forward)
  const hasBody = forward.body.byteLength > 0
  const answer = await fetch(`${address.replace(/\/+$/, "")}${forward.path}`, {
    method: forward.method,
    headers,
    ...(hasBody ? { body: Buffer.from(forward.body) } : {}),
    redirect: "manual",
  }).catch(() => {
    throw apiErrors.peerUnreachable(hostId)
  })
  const kept = new Headers()
  for (const name of keptHeaders) {
    const value = answer.headers.get(name)
    if (value !== null) kept.set(name, value)
  }
  kept.set("x-hyperx-answered-by", hostId)
  return new Response(answer.body, { status: answer.status, headers: kept })
}

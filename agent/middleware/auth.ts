import { createMiddleware } from "hono/factory"
import { authenticate } from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv, AgentRuntime } from "../env.ts"

/** The secret of an `Authorization: Bearer <secret>` header, if the header has that form. */
export const bearerSecret = (header: string | undefined): string | undefined => {
  const match = header?.match(/^Bearer[ ]+(\S+)[ ]*$/i)
  return match?.[1]
}

/** Who a secret belongs to, or the API's 401; for routes that carry the secret elsewhere (WebSocket tickets). */
export const actorOfSecret = (c: { readonly var: { readonly runtime: AgentRuntime } }, secret: string | undefined) =>
  runEffect(c, authenticate(secret))

/**
 * G1: every route behind it needs a bearer token; the token's user becomes `c.var.actor`. A request another agent of
 * the cluster forwarded already has its actor (agent/cluster/middleware.ts checked the forward's signature).
 */
export const bearerAuth = () =>
  createMiddleware<AgentEnv>(async (c, next) => {
    if (c.get("actor") === undefined) {
      c.set("actor", await actorOfSecret(c, bearerSecret(c.req.header("Authorization"))))
    }
    await next()
  })

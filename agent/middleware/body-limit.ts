import { bodyLimit } from "hono/body-limit"
import { createMiddleware } from "hono/factory"
import type { AgentEnv } from "../env.ts"
import { apiErrors } from "../errors/messages.ts"

/**
 * GET and HEAD requests carry no body (the Fetch Request has none for them), so there is nothing to limit or check:
 * asking `c.req.raw.body` would only build the full Request object of @hono/node-server, which every GET paid for
 * twice (bench/load, #14).
 */
export const bodiless = (method: string): boolean => method === "GET" || method === "HEAD"

/** Request bodies above the limit are refused with 413 before anything reads them. */
export const limitBodies = (maxBytes: number) => {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw apiErrors.payloadTooLarge(maxBytes)
    },
  })
  return createMiddleware<AgentEnv>((c, next) => (bodiless(c.req.method) ? next() : limit(c, next)))
}

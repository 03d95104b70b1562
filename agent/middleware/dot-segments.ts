import type { IncomingMessage } from "node:http"
import { createMiddleware } from "hono/factory"
import type { AgentEnv } from "../env.ts"
import { apiErrors } from "../errors/messages.ts"

/** `.` or `..`, either dot possibly percent-encoded (`%2e`, `%2E`). */
const dotSegment = /^(?:\.|%2e){1,2}$/i

/** Whether a request target's path (before `?`) has a dot segment. */
export const hasDotSegment = (target: string): boolean =>
  (target.split("?", 1)[0] ?? "").split("/").some((segment) => dotSegment.test(segment))

/**
 * Refuses a request whose path, as the client sent it, has a dot segment. The URL parser resolves `%2e%2e` like `..`
 * before routing (`/vms/%2e%2e/tasks` became `/tasks`), so the check reads the raw request line node-server keeps;
 * in-process requests (`app.request`) have none and their URL was normalised by whoever built it.
 */
export const refuseDotSegments = () =>
  createMiddleware<AgentEnv>(async (c, next) => {
    const incoming = (c.env as { readonly incoming?: IncomingMessage } | undefined)?.incoming
    if (incoming?.url !== undefined && hasDotSegment(incoming.url)) throw apiErrors.dotSegment()
    await next()
  })

import { createMiddleware } from "hono/factory"
import { routePath } from "hono/route"
import type { Logger } from "pino"
import type { AgentEnv } from "../env.ts"

/**
 * One line per request (#21): method, the route's pattern (`/api/v1/vms/:id`: no ids, no query string, so no token
 * or password can reach the log), status, duration and the caller's user id. 5xx at error level, the rest at info.
 */
export const requestLog = (logger: Logger) =>
  createMiddleware<AgentEnv>(async (c, next) => {
    const started = performance.now()
    await next()
    const status = c.res.status
    const level = status >= 500 ? "error" : "info"
    if (!logger.isLevelEnabled(level)) return
    const actor = c.get("actor") as AgentEnv["Variables"]["actor"] | undefined
    logger[level](
      {
        method: c.req.method,
        route: routePath(c, -1),
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        ...(actor === undefined ? {} : { userId: actor.userId }),
      },
      "request",
    )
  })

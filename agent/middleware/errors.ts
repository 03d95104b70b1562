import type { Context, Hono } from "hono"
import { HTTPException } from "hono/http-exception"
import type { AgentEnv } from "../env.ts"
import { ApiError, errorBody } from "../errors/api-error.ts"
import { apiErrors } from "../errors/messages.ts"
import { langOfAcceptLanguage } from "./language.ts"

const langOf = (c: Context<AgentEnv>) => c.get("lang") ?? langOfAcceptLanguage(c.req.header("Accept-Language"))

export const errorResponse = (c: Context<AgentEnv>, error: ApiError): Response => {
  for (const [name, value] of Object.entries(error.extra.headers ?? {})) c.header(name, value)
  return c.json(errorBody(error, langOf(c)), error.status)
}

/** Hono's own exceptions (broken JSON, oversized bodies) in the API's error shape. */
const apiErrorOfHttpException = (exception: HTTPException): ApiError | undefined => {
  if (exception.status === 400) return apiErrors.malformedJson()
  if (exception.status === 413) return apiErrors.payloadTooLarge()
  if (exception.status === 401) return apiErrors.unauthenticated()
  return undefined
}

/**
 * The app's error handler: ApiErrors as they are, Hono's exceptions mapped, an abandoned request logged in one line,
 * and anything else is a defect: logged with its stack, answered as a generic 500 that reveals nothing.
 */
export const handleErrors = (log: (message: string, error?: unknown) => void = console.error) => {
  return (error: Error, c: Context<AgentEnv>): Response => {
    if (error instanceof ApiError) return errorResponse(c, error)
    const mapped = error instanceof HTTPException ? apiErrorOfHttpException(error) : undefined
    if (mapped) return errorResponse(c, mapped)
    // A client that went away mid-request (its body cut short) is not a defect: one line, no stack. Nobody reads
    // the answer.
    if (c.req.raw.signal.aborted) {
      log(`hyperx agent: ${c.req.method} ${c.req.path}: the client closed the connection before the answer`)
      return errorResponse(c, apiErrors.clientClosed())
    }
    log(`hyperx agent: ${c.req.method} ${c.req.path} failed`, error)
    return errorResponse(c, apiErrors.internal())
  }
}

/** A route path (`/api/v1/vms/:id`) as a pattern over request paths. */
const patternOf = (path: string): RegExp => {
  const segments = path.split("/").map((segment) => {
    if (segment === "*") return ".*"
    if (segment.startsWith(":")) return "[^/]+"
    return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  })
  return new RegExp(`^${segments.join("/")}/?$`)
}

/**
 * Unknown routes as JSON: 405 with Allow when the path exists under other methods, else 404. Reads the app's routes
 * on first use, so routes added after createApp are known too.
 */
export const handleNotFound = (app: Hono<AgentEnv>) => {
  let routes: ReadonlyArray<{ readonly method: string; readonly pattern: RegExp }> | undefined
  return (c: Context<AgentEnv>): Response => {
    routes ??= app.routes
      .filter((route) => route.method !== "ALL")
      .map((route) => ({ method: route.method, pattern: patternOf(route.path) }))
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(c.req.path)).map((r) => r.method))]
    if (allowed.length > 0) return errorResponse(c, apiErrors.methodNotAllowed(c.req.method, allowed))
    return errorResponse(c, apiErrors.routeNotFound(c.req.method, c.req.path))
  }
}

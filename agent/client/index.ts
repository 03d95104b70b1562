/**
 * `hyperx/client`: a typed client of the agent's API, generated from its OpenAPI document (agent/client/openapi.ts,
 * `npm run api-types`) and run by openapi-fetch. Every path, parameter, body and answer is typed: a call the server
 * would refuse for its shape does not compile.
 *
 *   const api = createHyperxClient({ baseUrl: "http://127.0.0.1:8080", token: process.env.TOKEN })
 *   const { data, error } = await api.GET("/api/v1/vms", { params: { query: { state: ["running"], limit: 20 } } })
 *   await api.POST("/api/v1/vms/{id}/start", { params: { path: { id } } })
 */
import createClient, { type Client, type ClientOptions } from "openapi-fetch"
import type { paths } from "./openapi.ts"

export type { components, operations, paths } from "./openapi.ts"

export interface HyperxClientOptions {
  /** The agent's address, e.g. http://127.0.0.1:8080 (the paths carry /api/v1). */
  readonly baseUrl: string
  /** A bearer token (`hyperx token create`); sent as `Authorization: Bearer …`. */
  readonly token?: string
  /** Answers in this language (zh or en): the `message` of errors. */
  readonly language?: string
  /** Another fetch (a test's in-process app, a proxy-aware fetch). */
  readonly fetch?: ClientOptions["fetch"]
}

export type HyperxClient = Client<paths>

/** A client of one agent, with its token and language on every request. */
export const createHyperxClient = (options: HyperxClientOptions): HyperxClient => {
  const headers: Record<string, string> = {}
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`
  if (options.language !== undefined) headers["Accept-Language"] = options.language
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    headers,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  })
}

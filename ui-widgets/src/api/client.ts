import type { Locale } from "../i18n/locale.ts"

/** Where the API lives and who asks: what every element's api-base, token and lang attributes amount to. */
export interface Connection {
  /** The agent's URL (`https://host:8080`), or its API root (`…/api/v1`); empty means where the bundle came from. */
  readonly base: string
  readonly token: string
  readonly locale: Locale
  /**
   * #21 portal sign-in: asked for a fresh token when the API answers 401; the request is then sent once more with
   * it. Undefined (or an answer of undefined): the 401 stands.
   */
  readonly renew?: () => Promise<string | undefined>
}

/** An error the API answered (`{error: {code, rule?, message}}`, message in the caller's language), or a network one. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly rule: string | undefined

  constructor(status: number, code: string, message: string, rule?: string) {
    super(message)
    this.name = "ApiError"
    this.status = status
    this.code = code
    this.rule = rule
  }
}

export type QueryValue = string | number | boolean | ReadonlyArray<string> | undefined
export type Query = Readonly<Record<string, QueryValue>>

/** The agent that served this bundle: the widgets talk to it unless told otherwise. */
const bundleOrigin = (): string => {
  try {
    const url = new URL(import.meta.url)
    if (url.protocol === "http:" || url.protocol === "https:") return url.origin
  } catch {
    // import.meta.url is not a URL when a portal's bundler inlined us; fall through to the page's origin.
  }
  return globalThis.location?.origin ?? ""
}

/** The API root, `…/api/v1`, for an api-base attribute. */
export const apiRoot = (base: string): string => {
  const trimmed = (base.trim() === "" ? bundleOrigin() : base.trim()).replace(/\/+$/, "")
  return trimmed.endsWith("/api/v1") ? trimmed : `${trimmed}/api/v1`
}

export const queryString = (query: Query = {}): string => {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === "") continue
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      params.set(key, String(value))
    } else if (value.length > 0) params.set(key, value.join(","))
  }
  const text = params.toString()
  return text === "" ? "" : `?${text}`
}

/** `filename*=UTF-8''…` (the localised name) over `filename="…"`. */
export const fileNameOf = (disposition: string | null, fallback: string): string => {
  if (disposition === null) return fallback
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(disposition)
  if (extended?.[1] !== undefined) {
    try {
      return decodeURIComponent(extended[1])
    } catch {
      // A broken encoding: the plain name below still serves.
    }
  }
  return /filename="([^"]+)"/i.exec(disposition)?.[1] ?? fallback
}

interface RequestOptions {
  readonly query?: Query
  readonly body?: unknown
}

/** A thin fetch wrapper: bearer token, Accept-Language, JSON in and out, API errors as ApiError. */
export class ApiClient {
  readonly root: string
  private readonly connection: Connection

  constructor(connection: Connection) {
    this.connection = connection
    this.root = apiRoot(connection.base)
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>("GET", path, query === undefined ? {} : { query })
  }

  post<T>(path: string, body?: unknown, query?: Query): Promise<T> {
    return this.json<T>("POST", path, { ...(body === undefined ? {} : { body }), ...(query ? { query } : {}) })
  }

  put<T>(path: string, body?: unknown): Promise<T> {
    return this.json<T>("PUT", path, body === undefined ? {} : { body })
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>("PATCH", path, { body })
  }

  delete<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>("DELETE", path, query === undefined ? {} : { query })
  }

  /** A file the API sends (the XLSX export), with the name its Content-Disposition gives. */
  async download(path: string, query: Query, fallbackName: string): Promise<{ blob: Blob; fileName: string }> {
    const response = await this.send("GET", path, { query })
    return {
      blob: await response.blob(),
      fileName: fileNameOf(response.headers.get("Content-Disposition"), fallbackName),
    }
  }

  /**
   * A WebSocket URL on the agent: an absolute URL as given; a path under /api/v1 (as the API hands them out) or
   * relative to the API root is placed under this client's root, which keeps a reverse proxy's prefix.
   */
  socketUrl(pathOrUrl: string, query: Query = {}): string {
    const underApi = pathOrUrl.startsWith("/api/v1/") ? pathOrUrl.slice("/api/v1".length) : pathOrUrl
    const url = /^(wss?|https?):/.test(pathOrUrl) ? new URL(pathOrUrl) : new URL(`${this.root}${underApi}`)
    if (url.protocol === "http:") url.protocol = "ws:"
    if (url.protocol === "https:") url.protocol = "wss:"
    for (const [key, value] of new URLSearchParams(queryString(query))) url.searchParams.set(key, value)
    return url.toString()
  }

  private async json<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const response = await this.send(method, path, options)
    const text = await response.text()
    return (text === "" ? undefined : JSON.parse(text)) as T
  }

  private async send(
    method: string,
    path: string,
    options: RequestOptions,
    token = this.connection.token,
  ): Promise<Response> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      "Accept-Language": this.connection.locale,
    }
    if (options.body !== undefined) headers["Content-Type"] = "application/json"
    let response: Response
    try {
      response = await fetch(`${this.root}${path}${queryString(options.query)}`, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      })
    } catch (cause) {
      throw new ApiError(0, "network", cause instanceof Error ? cause.message : String(cause))
    }
    if (response.ok) return response
    // A token that expired or was revoked: ask for a fresh one and try once more (a second 401 stands).
    if (response.status === 401 && token === this.connection.token && this.connection.renew !== undefined) {
      const fresh = await this.connection.renew()
      if (fresh !== undefined && fresh !== "" && fresh !== token) return this.send(method, path, options, fresh)
    }
    throw await errorOf(response)
  }
}

const errorOf = async (response: Response): Promise<ApiError> => {
  try {
    const body = (await response.json()) as { error?: { code?: string; rule?: string; message?: string } }
    const error = body.error
    if (error?.code !== undefined && error.message !== undefined) {
      return new ApiError(response.status, error.code, error.message, error.rule)
    }
  } catch {
    // Not JSON (a proxy's error page): the status line below says what happened.
  }
  return new ApiError(response.status, "http", `HTTP ${response.status} ${response.statusText}`)
}

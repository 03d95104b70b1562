import type { Lang } from "../../core/index.ts"

/** A message in both of the API's languages; the response carries the caller's. */
export interface Bilingual {
  readonly en: string
  readonly zh: string
}

/** The status codes the API answers errors with. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 412 | 413 | 415 | 422 | 500 | 502 | 503

/**
 * An error the API answers with `{ "error": { "code", "rule"?, "message" } }`. Thrown from handlers and middleware
 * (Hono hands it to the app's error handler); never caught on the way.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    readonly text: Bilingual,
    readonly extra: { readonly rule?: string; readonly headers?: Readonly<Record<string, string>> } = {},
  ) {
    super(text.en)
    this.name = "ApiError"
  }
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly rule?: string; readonly message: string }
}

export const errorBody = (error: ApiError, lang: Lang): ErrorBody => ({
  error: {
    code: error.code,
    ...(error.extra.rule === undefined ? {} : { rule: error.extra.rule }),
    message: error.text[lang],
  },
})

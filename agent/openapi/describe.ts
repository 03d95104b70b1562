import { Schema } from "effect"
import { type DescribeRouteOptions, describeRoute, type ResponsesWithResolver, resolver } from "hono-openapi"
import "./shim.ts"

/** The error body of every 4xx and 5xx answer. */
export const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    code: Schema.String.annotate({ description: "Stable machine-readable code, e.g. not-found, conflict" }),
    rule: Schema.optionalKey(Schema.String.annotate({ description: "The refusing rule's name, when a rule refused" })),
    message: Schema.String.annotate({ description: "In the caller's language (Accept-Language: zh or en)" }),
  }),
}).annotate({ identifier: "Error" })

const errorDescriptions: Record<number, string> = {
  400: "Invalid input: a path id, query parameter or body that does not match its schema, or broken JSON",
  401: "No bearer token, or one that is unknown or expired",
  403: "A rule refused: the caller's role may not do this",
  404: "Not found, or outside the caller's scope",
  409: "A rule refused: the VM's state forbids it now",
  413: "The request body is too large",
  415: "The request body is not JSON",
  422: "A rule refused: the input breaks a named rule",
}

export const json = (description: string, schema: Schema.Codec<unknown, unknown>) => ({
  description,
  content: { "application/json": { schema: resolver(Schema.toStandardSchemaV1(schema)) } },
})

const errors = (statuses: ReadonlyArray<number>) =>
  Object.fromEntries(statuses.map((status) => [String(status), json(errorDescriptions[status] ?? "Error", ErrorBody)]))

export interface RouteDoc {
  readonly tag: string
  readonly summary: string
  readonly description?: string
  /** The success responses, by status. */
  readonly ok: ResponsesWithResolver
  /** The error statuses this route answers besides 401 (every route behind the token check answers 401). */
  readonly errors?: ReadonlyArray<number>
  /** For routes that need no token. */
  readonly public?: boolean
}

/** describeRoute with the API's conventions: one tag, the error body on every error status, bearer auth. */
export const doc = (route: RouteDoc) => {
  const statuses = [...(route.public ? [] : [401]), ...(route.errors ?? [])]
  const spec: DescribeRouteOptions = {
    tags: [route.tag],
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    ...(route.public ? { security: [] } : {}),
    responses: { ...route.ok, ...errors(statuses) },
  }
  return describeRoute(spec)
}

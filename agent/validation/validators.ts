import { Schema } from "effect"
import { createMiddleware } from "hono/factory"
import { validator } from "hono-openapi"
import type { AgentEnv } from "../env.ts"
import { apiErrors } from "../errors/messages.ts"
import { bodiless } from "../middleware/body-limit.ts"
import { describeIssues, type Issue } from "./issues.ts"

/** Unknown keys are refused rather than dropped: a misspelt field must not look like a request that worked. */
const strict = { parseOptions: { onExcessProperty: "error" } } as const

const refuseInvalid = (result: {
  readonly success: boolean
  readonly error?: ReadonlyArray<Issue>
  readonly target: string
}) => {
  if (!result.success) throw apiErrors.invalidInput(describeIssues(result.error ?? [], result.target))
}

/** A JSON body decoded by an Effect Schema (documented in the OpenAPI document from the same schema). */
export const jsonBody = <T, E>(schema: Schema.Codec<T, E>) =>
  validator("json", Schema.toStandardSchemaV1(schema, strict), refuseInvalid)

/** Query parameters decoded by an Effect Schema; unknown ones are refused, so each query schema lists `lang`. */
export const queryParams = <T, E>(schema: Schema.Codec<T, E>) =>
  validator("query", Schema.toStandardSchemaV1(schema, strict), refuseInvalid)

/** Path parameters decoded by an Effect Schema. */
export const pathParams = <T, E>(schema: Schema.Codec<T, E>) =>
  validator("param", Schema.toStandardSchemaV1(schema, strict), refuseInvalid)

const jsonMediaType = /^application\/([\w.-]+\+)?json$/i

const emptyObjectText = Promise.resolve("{}")

/** UTF-8's byte-order mark, EF BB BF. */
const startsWithBom = (bytes: Uint8Array) => bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf

/**
 * A request body, when there is one, must be JSON; an empty body is fine (actions with no options), also when it is
 * labelled JSON: many clients send `Content-Type: application/json` on every call, so an empty one reads as `{}`
 * (it was 400 malformed-json). A body that starts with a byte-order mark is refused: JSON sent over a network has
 * none (RFC 8259 §8.1), and the fetch body readers strip one or two of them silently, so "\uFEFF\uFEFF{…}" was
 * taken as "{…}".
 */
export const requireJsonBodies = () =>
  createMiddleware<AgentEnv>(async (c, next) => {
    if (!bodiless(c.req.method) && c.req.raw.body !== null) {
      // Read once; Hono keeps it for the validators.
      const bytes = new Uint8Array(await c.req.arrayBuffer())
      const mediaType = (c.req.header("Content-Type") ?? "").split(";")[0]?.trim() ?? ""
      const blank = () => new TextDecoder().decode(bytes).trim() === ""
      if (!jsonMediaType.test(mediaType)) {
        if (!blank()) throw apiErrors.unsupportedMediaType()
      } else if (startsWithBom(bytes)) throw apiErrors.byteOrderMark()
      // The json validator parses the cached text: an empty body is then no options, as it is unlabelled. Hono keeps
      // promises in bodyCache but types them as the values.
      else if (blank()) c.req.bodyCache.text = emptyObjectText as never
    }
    await next()
  })

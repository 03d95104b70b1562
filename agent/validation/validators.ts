import { Schema } from "effect"
import { createMiddleware } from "hono/factory"
import { validator } from "hono-openapi"
import type { AgentEnv } from "../env.ts"
import { apiErrors } from "../errors/messages.ts"
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

/** A request body, when there is one, must be JSON; an empty body is fine (actions with no options). */
export const requireJsonBodies = () =>
  createMiddleware<AgentEnv>(async (c, next) => {
    const mediaType = (c.req.header("Content-Type") ?? "").split(";")[0]?.trim() ?? ""
    if (c.req.raw.body !== null && !jsonMediaType.test(mediaType)) {
      const text = await c.req.text()
      if (text.trim() !== "") throw apiErrors.unsupportedMediaType()
    }
    await next()
  })

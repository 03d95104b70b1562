import type { Hono } from "hono"
import { type GenerateSpecOptions, generateSpecs } from "hono-openapi"
import type { AgentEnv } from "../env.ts"
import { agentVersion } from "../version.ts"
import { makePrecise } from "./precise.ts"
import "./shim.ts"

export const openApiPath = "/api/v1/openapi.json"

const options: Partial<GenerateSpecOptions> = {
  documentation: {
    info: {
      title: "hyperx agent API",
      version: agentVersion,
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
      description:
        "Bearer tokens (Authorization: Bearer hx_…). Errors are { error: { code, rule?, message } } in the " +
        "caller's language (Accept-Language: zh or en, or ?lang=). See agent/README.md.",
    },
    // The paths start with /api/v1: relative to the agent's own address, whichever way it is reached.
    servers: [{ url: "/", description: "The agent that serves this document" }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
  },
  // Every route lists its own 400 with the API's error body.
  defaultValidationErrorResponse: false,
  // export.xlsx and openapi.json are routes, not static files.
  excludeStaticFile: false,
}

/** The OpenAPI 3.1 document of every route the app has, generated from the Effect Schemas that validate them. */
export const openApiDocument = async (app: Hono<AgentEnv>) => makePrecise(await generateSpecs(app, options))

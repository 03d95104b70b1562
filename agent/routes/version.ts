import { Effect, Schema } from "effect"
import { Hono } from "hono"
import { DriverRegistry } from "../../core/driver/registry.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { agentVersion, apiVersion, schemaVersion } from "../version.ts"

const VersionView = Schema.Struct({
  agent: Schema.String,
  api: Schema.String,
  schema: Schema.String,
  drivers: Schema.Array(Schema.Struct({ name: Schema.String, version: Schema.String })),
}).annotate({ identifier: "Version" })

/** GET /api/v1/version (#22): the agent's, the API's and the database schema's versions, and each driver's. */
export const versionRoutes = () =>
  new Hono<AgentEnv>().get(
    "/",
    doc({
      tag: "API",
      summary: "Versions of the agent, the API, the database schema and the drivers",
      ok: { 200: json("Versions", VersionView) },
    }),
    async (c) => {
      const drivers = await runEffect(
        c,
        DriverRegistry.use((registry) =>
          Effect.succeed(registry.all.map((driver) => ({ name: driver.name, version: driver.version }))),
        ),
      )
      return c.json({ agent: agentVersion, api: apiVersion, schema: schemaVersion, drivers })
    },
  )

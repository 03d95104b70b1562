import { Hono } from "hono"
import { vmMetrics } from "../../core/metrics/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { MetricSeriesSchema, MetricsQuery } from "../monitoring/metrics-views.ts"
import { doc, json } from "../openapi/describe.ts"
import { IdParam } from "../validation/schemas.ts"
import { pathParams, queryParams } from "../validation/validators.ts"

/** /api/v1/vms/{id}/metrics (M1). */
export const metricRoutes = () =>
  new Hono<AgentEnv>().get(
    "/:id/metrics",
    doc({
      tag: "Monitoring",
      summary: "A VM's CPU, memory, disk and network use over a time range (M1)",
      description:
        "Raw samples (default every 30 s) are kept a day, five-minute averages a month. Without `tier`, a range " +
        "within the last day of at most a day is served raw, any other from the averages. At most 31 days per " +
        "request (400 otherwise, also when from is not before to).",
      ok: { 200: json("The series, as column arrays", MetricSeriesSchema) },
      errors: [400, 404],
    }),
    pathParams(IdParam),
    queryParams(MetricsQuery),
    async (c) => {
      const { lang: _lang, ...query } = c.req.valid("query")
      return c.json(await runEffect(c, vmMetrics(c.var.actor, c.req.valid("param").id, query)))
    },
  )

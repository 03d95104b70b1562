import { Hono } from "hono"
import { vmCosts } from "../../core/cost/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { CostQuery, VmCostsSchema } from "../monitoring/cost-views.ts"
import { doc, json } from "../openapi/describe.ts"
import { IdParam } from "../validation/schemas.ts"
import { pathParams, queryParams } from "../validation/validators.ts"

/** /api/v1/vms/{id}/costs (M3, D5). */
export const costRoutes = () =>
  new Hono<AgentEnv>().get(
    "/:id/costs",
    doc({
      tag: "Monitoring",
      summary: "A VM's daily cost: flavor, storage, image, public IP, services (M3, D5)",
      description:
        "One row per UTC day, written after the day ends from what the VM held, changes pro rata (a resize at 18:00 " +
        "counts three quarters of the day at the old flavor). At most 366 days per request.",
      ok: { 200: json("The rows and today so far", VmCostsSchema) },
      errors: [400, 404],
    }),
    pathParams(IdParam),
    queryParams(CostQuery),
    async (c) => {
      const { lang: _lang, ...range } = c.req.valid("query")
      return c.json(await runEffect(c, vmCosts(c.var.actor, c.req.valid("param").id, range)))
    },
  )

import { Hono } from "hono"
import { alarmHistory, createAlarm, deleteAlarm, listAlarms, updateAlarm } from "../../core/alarms/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import {
  AlarmBody,
  AlarmEventSchema,
  AlarmParams,
  AlarmPatchBody,
  AlarmSchema,
  HistoryQuery,
} from "../monitoring/alarm-views.ts"
import { doc, json } from "../openapi/describe.ts"
import { itemsOf } from "../storage/views.ts"
import { IdParam } from "../validation/schemas.ts"
import { jsonBody, pathParams, queryParams } from "../validation/validators.ts"

const tag = "Monitoring"
const refusals = [400, 403, 404, 409, 415, 422]
const rules =
  "Refused while monitoring is not installed (409 monitoring-installed) or the VM is in the recycle bin, and for a " +
  "recipient outside the VM's company (403 alarm-recipients-in-company); an unknown user is 404."

/** /api/v1/vms/{id}/alarms and /alarm-events (R1, M2). */
export const alarmRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/:id/alarms",
      doc({
        tag,
        summary: "A VM's alarm rules, each with whether its alarm is on (R1)",
        ok: { 200: json("The rules", itemsOf(AlarmSchema)) },
        errors: [400, 404],
      }),
      pathParams(IdParam),
      async (c) => c.json({ items: await runEffect(c, listAlarms(c.var.actor, c.req.valid("param").id)) }),
    )
    .post(
      "/:id/alarms",
      doc({
        tag,
        summary: "Add an alarm: CPU, memory or disk use at or above a threshold for a duration mails the users (R1)",
        description: rules,
        ok: { 201: json("The rule", AlarmSchema) },
        errors: refusals,
      }),
      pathParams(IdParam),
      jsonBody(AlarmBody),
      async (c) =>
        c.json(await runEffect(c, createAlarm(c.var.actor, c.req.valid("param").id, c.req.valid("json"))), 201),
    )
    .patch(
      "/:id/alarms/:alarmId",
      doc({
        tag,
        summary: "Change an alarm's threshold, duration, recipients or enabled flag (R1)",
        description: rules,
        ok: { 200: json("The rule", AlarmSchema) },
        errors: refusals,
      }),
      pathParams(AlarmParams),
      jsonBody(AlarmPatchBody),
      async (c) => {
        const { id, alarmId } = c.req.valid("param")
        return c.json(await runEffect(c, updateAlarm(c.var.actor, id, alarmId, c.req.valid("json"))))
      },
    )
    .delete(
      "/:id/alarms/:alarmId",
      doc({
        tag,
        summary: "Remove an alarm; its history stays (R1)",
        ok: { 204: { description: "Removed" } },
        errors: [400, 404],
      }),
      pathParams(AlarmParams),
      async (c) => {
        const { id, alarmId } = c.req.valid("param")
        await runEffect(c, deleteAlarm(c.var.actor, id, alarmId))
        return c.body(null, 204)
      },
    )
    .get(
      "/:id/alarm-events",
      doc({
        tag,
        summary: "A VM's alarm history: each firing and recovery, the value, who was mailed (M2)",
        ok: { 200: json("Newest first", itemsOf(AlarmEventSchema)) },
        errors: [400, 404],
      }),
      pathParams(IdParam),
      queryParams(HistoryQuery),
      async (c) =>
        c.json({
          items: await runEffect(c, alarmHistory(c.var.actor, c.req.valid("param").id, c.req.valid("query").limit)),
        }),
    )

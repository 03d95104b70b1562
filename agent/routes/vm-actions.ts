import { Schema } from "effect"
import { Hono } from "hono"
import { power, showPassword } from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { IdParam } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"
import { PasswordSchema, TaskAccepted } from "../vms/responses.ts"

const tag = "VM actions"
/** No options: an empty object or no body. (An empty Struct would let any key through.) */
const StartBody = Schema.Record(Schema.String, Schema.Never).annotate({ identifier: "VmStart" })
const StopBody = Schema.Struct({
  /** B1: cut power at once. */
  force: Schema.optionalKey(Schema.Boolean),
  /** B6: also detach external devices (USB, GPU, ISO). */
  detachDevices: Schema.optionalKey(Schema.Boolean),
}).annotate({ identifier: "VmStop" })
const RebootBody = Schema.Struct({
  /** B3: reset at once. */
  force: Schema.optionalKey(Schema.Boolean),
}).annotate({ identifier: "VmReboot" })

const accepted = { 202: json("The operation's task; follow it at /api/v1/tasks/{id}", TaskAccepted) }
const refusals = [400, 403, 404, 409, 415, 422]

/** /api/v1/vms/{id}/…: power actions (B1–B3, B6) and showing the password (R6). The body is optional. */
export const vmActionRoutes = () =>
  new Hono<AgentEnv>()
    .post(
      "/:id/start",
      doc({ tag, summary: "Start a VM (B2)", ok: accepted, errors: refusals }),
      pathParams(IdParam),
      jsonBody(StartBody),
      async (c) => {
        const handle = await runEffect(c, power(c.var.actor, c.req.valid("param").id, "start"))
        return c.json({ task: handle.task }, 202)
      },
    )
    .post(
      "/:id/stop",
      doc({ tag, summary: "Stop a VM; force cuts power at once (B1, B6)", ok: accepted, errors: refusals }),
      pathParams(IdParam),
      jsonBody(StopBody),
      async (c) => {
        const { force, detachDevices } = c.req.valid("json")
        const kind = force === true ? "force-stop" : "stop"
        const options = detachDevices === undefined ? {} : { detachDevices }
        const handle = await runEffect(c, power(c.var.actor, c.req.valid("param").id, kind, options))
        return c.json({ task: handle.task }, 202)
      },
    )
    .post(
      "/:id/reboot",
      doc({ tag, summary: "Reboot a VM; force resets at once (B3)", ok: accepted, errors: refusals }),
      pathParams(IdParam),
      jsonBody(RebootBody),
      async (c) => {
        const kind = c.req.valid("json").force === true ? "force-reboot" : "reboot"
        const handle = await runEffect(c, power(c.var.actor, c.req.valid("param").id, kind))
        return c.json({ task: handle.task }, 202)
      },
    )
    .post(
      "/:id/password",
      doc({
        tag,
        summary: "Show the VM's password (R6); each reading is recorded as a task",
        ok: {
          200: json("The password (null when the VM has none) and the task that recorded the reading", PasswordSchema),
        },
        errors: [400, 404, 409],
      }),
      pathParams(IdParam),
      async (c) => c.json(await runEffect(c, showPassword(c.var.actor, c.req.valid("param").id))),
    )

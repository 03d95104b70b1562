import { Schema } from "effect"
import { Hono } from "hono"
import { resetPassword, resizeVm, setSockets } from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { ApiId, IdParam } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"
import { PasswordSchema, TaskAccepted, TaskSchema } from "../vms/responses.ts"

const tag = "VM actions"
const refusals = [400, 403, 404, 409, 415, 422]

const ResizeBody = Schema.Struct({ flavorId: ApiId }).annotate({ identifier: "VmResize" })
const SocketsBody = Schema.Struct({
  /** Divides the VM's CPU count (rule sockets-divide-cpus); cores per socket follow. */
  sockets: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 256 })),
}).annotate({ identifier: "VmSockets" })
const SocketsSet = Schema.Struct({
  task: TaskSchema,
  sockets: Schema.Int,
  coresPerSocket: Schema.Int,
}).annotate({ identifier: "VmSocketsSet" })

const ResetPasswordBody = Schema.Struct({
  /** 6–32 characters mixing upper and lower case letters and digits (rule password-format); absent: random. */
  password: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(64))),
}).annotate({ identifier: "VmResetPassword" })

/**
 * /api/v1/vms/{id}/…: the VM's configuration: resize to another flavor (K1), CPU sockets by hand (K4), and a new
 * password (R11).
 */
export const vmConfigRoutes = () =>
  new Hono<AgentEnv>()
    .post(
      "/:id/resize",
      doc({
        tag,
        summary: "Resize a stopped VM to another flavor; it starts again by itself (K1)",
        description:
          "Stopped only (409 lifecycle-state); another flavor than the VM's (422 different-flavor); the image's " +
          "minimum cores (422 image-min-cores); the department's quota on the difference (409 quota-cpus, " +
          "quota-memory). The task ends when the resized VM runs; the sockets chosen by hand stay while they divide " +
          "the new CPU count, else the topology is automatic again.",
        ok: { 202: json("The resize's task; follow it at /api/v1/tasks/{id}", TaskAccepted) },
        errors: refusals,
      }),
      pathParams(IdParam),
      jsonBody(ResizeBody),
      async (c) => {
        const handle = await runEffect(c, resizeVm(c.var.actor, c.req.valid("param").id, c.req.valid("json").flavorId))
        return c.json({ task: handle.task }, 202)
      },
    )
    .post(
      "/:id/sockets",
      doc({
        tag,
        summary: "Set a stopped VM's CPU sockets; cores per socket follow; used from the next start (K4)",
        description: "Stopped only (409 lifecycle-state); the sockets divide the CPU count (422 sockets-divide-cpus).",
        ok: { 200: json("The task that recorded it, and the topology now", SocketsSet) },
        errors: refusals,
      }),
      pathParams(IdParam),
      jsonBody(SocketsBody),
      async (c) => {
        const { task, value } = await runEffect(
          c,
          setSockets(c.var.actor, c.req.valid("param").id, c.req.valid("json").sockets),
        )
        return c.json({ task, sockets: value.sockets, coresPerSocket: value.coresPerSocket })
      },
    )
    .post(
      "/:id/reset-password",
      doc({
        tag,
        summary: "Reset a stopped VM's password, random or chosen; the guest takes it at its next start (R11)",
        description:
          "Stopped only (409 stopped-only); not while the VM logs in by SSH key (409 ssh-login-no-password-reset); a " +
          "chosen password has 6–32 characters mixing upper and lower case letters and digits (422 password-format). " +
          "The answer shows the new password once (R6 shows it again); the task never records it.",
        ok: { 200: json("The new password and the task that recorded the reset", PasswordSchema) },
        errors: refusals,
      }),
      pathParams(IdParam),
      jsonBody(ResetPasswordBody),
      async (c) => {
        const chosen = c.req.valid("json").password ?? null
        return c.json(await runEffect(c, resetPassword(c.var.actor, c.req.valid("param").id, chosen)))
      },
    )

import { Schema } from "effect"
import { Hono } from "hono"
import { cloneVm } from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { IdParam } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"
import { TaskSchema } from "../vms/responses.ts"

const tag = "VM actions"
const refusals = [400, 403, 404, 409, 415, 422]

const CloneBody = Schema.Struct({
  /** The clone's display name: 2–20 letters, digits, Chinese characters or underscores (rule name-format). */
  name: Schema.String.check(Schema.isMaxLength(64)),
  /** 6–32 characters mixing upper and lower case letters and digits (rule password-format); absent: random. */
  password: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(64))),
  /** Default the source's; "domain-join" only for Windows (rule domain-join-windows-only). */
  components: Schema.optionalKey(
    Schema.Array(Schema.String.check(Schema.isMaxLength(64))).check(Schema.isMaxLength(8)),
  ),
  /** Default true: the clone starts once its disks are copied. */
  start: Schema.optionalKey(Schema.Boolean),
}).annotate({ identifier: "VmClone" })

const CloneAccepted = Schema.Struct({
  task: TaskSchema,
  /** The clone's password, shown once (R6 shows it again while the clone is running or stopped). */
  password: Schema.String,
}).annotate({ identifier: "VmCloneAccepted" })

/** /api/v1/vms/{id}/clone: a new VM with the source's configuration, disks' content and networks (R8). */
export const vmCloneRoutes = () =>
  new Hono<AgentEnv>().post(
    "/:id/clone",
    doc({
      tag,
      summary:
        "Clone a VM: same configuration, disks with their content, NICs on the same networks with new addresses (R8)",
      description:
        "Running or stopped (the copy is point in time, the guest's file systems frozen while it runs); not while " +
        "another operation holds the VM (409 vm-busy) or it is in the recycle bin (409 not-recycled). A new display " +
        "name (422 name-format) and password (422 password-format; absent: random, shown once in the answer). Each " +
        "of the source's networks needs a free address (409 network-free-ips) and the department's quota room for " +
        "the whole VM (409 quota-cpus, quota-memory, quota-disk, quota-vm-count), checked again where the clone's " +
        "rows go in. The task is the source's (params.cloneId names the clone); it ends when the clone runs (or is " +
        "defined, with start false). The clone's own provisioning is a task of its own.",
      ok: { 202: json("The clone's task and its password", CloneAccepted) },
      errors: refusals,
    }),
    pathParams(IdParam),
    jsonBody(CloneBody),
    async (c) => {
      const { task, password } = await runEffect(c, cloneVm(c.var.actor, c.req.valid("param").id, c.req.valid("json")))
      return c.json({ task, password }, 202)
    },
  )

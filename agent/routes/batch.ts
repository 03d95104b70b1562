import { Schema } from "effect"
import { Hono } from "hono"
import { type BatchOutcome, type Lang, runBatch } from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { ApiId, Text } from "../validation/schemas.ts"
import { jsonBody } from "../validation/validators.ts"
import { TaskSchema } from "../vms/responses.ts"

const BatchBody = Schema.Struct({
  /** start, stop, reboot, delete or snapshot (rule batch-action names what else was asked). */
  action: Text(32),
  /** At least one (rule batch-selection), at most 500. */
  vmIds: Schema.Array(ApiId).check(Schema.isMaxLength(500)),
  /** B1/B3: force stop or reboot. */
  force: Schema.optionalKey(Schema.Boolean),
  /** B4: destroy completely instead of the recycle bin. */
  destroy: Schema.optionalKey(Schema.Boolean),
  /** P1 snapshot: save each running guest's memory too. */
  withMemory: Schema.optionalKey(Schema.Boolean),
  /** P1 snapshot: the name of every VM's snapshot, 1–64 characters. */
  name: Schema.optionalKey(Text(64)),
  /** B6: never in a batch: each VM is refused with detach-devices-single-stop (a single stop may detach). */
  detachDevices: Schema.optionalKey(Schema.Boolean),
}).annotate({ identifier: "BatchRequest" })

const Outcome = Schema.Struct({
  vmId: Schema.String,
  status: Schema.Literals(["accepted", "refused", "not-found"]),
  taskId: Schema.optionalKey(Schema.String),
  rule: Schema.optionalKey(Schema.String),
  message: Schema.optionalKey(Schema.String),
}).annotate({ identifier: "BatchOutcome" })

const BatchResult = Schema.Struct({ task: TaskSchema, outcomes: Schema.Array(Outcome) }).annotate({
  identifier: "BatchAccepted",
})

/** A refused VM's warning in the caller's language. */
const localised = (outcome: BatchOutcome, lang: Lang) =>
  outcome.status === "refused"
    ? {
        vmId: outcome.vmId,
        status: outcome.status,
        rule: outcome.rule,
        message: lang === "zh" ? outcome.messageZh : outcome.message,
      }
    : outcome

/** /api/v1/batch (L7): one action on a selection; VMs whose state forbids it are reported, the rest proceed. */
export const batchRoutes = () =>
  new Hono<AgentEnv>().post(
    "/",
    doc({
      tag: "Batch",
      summary: "Start, stop, reboot, delete or snapshot several VMs (L7)",
      description:
        "Each VM's outcome: accepted with its task, refused with the rule's name and message, or not-found (outside " +
        "the caller's scope). The batch's own task records them all.",
      ok: { 202: json("The batch task and one outcome per VM", BatchResult) },
      errors: [400, 415, 422],
    }),
    jsonBody(BatchBody),
    async (c) => {
      const { task, outcomes } = await runEffect(c, runBatch(c.var.actor, c.req.valid("json")))
      return c.json({ task, outcomes: outcomes.map((o) => localised(o, c.var.lang)) }, 202)
    },
  )

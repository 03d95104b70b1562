import { Hono } from "hono"
import { deleteBackup, restoreBackup } from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { BackupParams, RestoreBody } from "../storage/bodies.ts"
import { NoOptions } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"
import { TaskAccepted } from "../vms/responses.ts"

const tag = "Disks and backups"
const accepted = { 202: json("The operation's task; follow it at /api/v1/tasks/{id}", TaskAccepted) }

/** /api/v1/backups/{backupId}: restore into a new disk, delete (V4). Scoped by the backed-up disk. */
export const backupRoutes = () =>
  new Hono<AgentEnv>()
    .post(
      "/:backupId/restore",
      doc({
        tag,
        summary: "Restore a backup into a new, unattached data disk (V4)",
        description:
          "The backup must be ready (409 backup-ready) and the new disk fit the department's disk quota. The disk " +
          "backed up is untouched. Once the task succeeded, result.diskId names the new disk.",
        ok: accepted,
        errors: [400, 403, 404, 409, 415, 422],
      }),
      pathParams(BackupParams),
      jsonBody(RestoreBody),
      async (c) => {
        const handle = await runEffect(
          c,
          restoreBackup(c.var.actor, c.req.valid("param").backupId, c.req.valid("json")),
        )
        return c.json({ task: handle.task }, 202)
      },
    )
    .delete(
      "/:backupId",
      doc({
        tag,
        summary: "Delete a backup with the increments built on it (V4)",
        description: "result.deleted lists every backup the task removed.",
        ok: accepted,
        errors: [400, 403, 404, 409],
      }),
      pathParams(BackupParams),
      jsonBody(NoOptions),
      async (c) => {
        const handle = await runEffect(c, deleteBackup(c.var.actor, c.req.valid("param").backupId))
        return c.json({ task: handle.task }, 202)
      },
    )

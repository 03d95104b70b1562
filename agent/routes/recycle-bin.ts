import { Schema } from "effect"
import { Hono } from "hono"
import { purgeVm, restoreVm } from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { IdParam, NoOptions, QueryBool } from "../validation/schemas.ts"
import { jsonBody, pathParams, queryParams } from "../validation/validators.ts"
import { VmListQuery } from "../vms/list-query.ts"
import { RecycleBinPage, recycleBinPage } from "../vms/recycle-bin-page.ts"
import { TaskAccepted, TaskSchema } from "../vms/responses.ts"

const tag = "Recycle bin"
const PurgeQuery = Schema.Struct({
  /** Delete the VM's data disks too; they are detached and kept otherwise. */
  deleteDataDisks: Schema.optionalKey(QueryBool),
  lang: Schema.optionalKey(Schema.String),
})

/** /api/v1/recycle-bin (G3, B4): deleted VMs; a superadmin restores, an admin purges. */
export const recycleBinRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/",
      doc({
        tag,
        summary: "List deleted VMs: same filters, columns, sort and paging as /vms (G3)",
        description:
          "Each row also carries allowedActions: the caller's restore and purge, as the VM's detail has them.",
        ok: { 200: json("One page of the recycle bin", RecycleBinPage) },
        errors: [400],
      }),
      queryParams(VmListQuery),
      async (c) => c.json(await runEffect(c, recycleBinPage(c.var.actor, c.req.valid("query"), c.var.lang))),
    )
    .post(
      "/:id/restore",
      doc({
        tag,
        summary: "Restore a deleted VM; it comes back stopped (G3, superadmin)",
        ok: { 200: json("The finished restore task", TaskAccepted) },
        errors: [400, 403, 404, 409],
      }),
      pathParams(IdParam),
      async (c) => c.json({ task: await runEffect(c, restoreVm(c.var.actor, c.req.valid("param").id)) }),
    )
    .delete(
      "/:id",
      doc({
        tag,
        summary: "Purge a deleted VM for good (G3, admin)",
        ok: { 202: json("The purge task", Schema.Struct({ task: TaskSchema })) },
        errors: [400, 403, 404, 409],
      }),
      pathParams(IdParam),
      queryParams(PurgeQuery),
      jsonBody(NoOptions),
      async (c) => {
        const { deleteDataDisks } = c.req.valid("query")
        const options = deleteDataDisks === undefined ? {} : { deleteDataDisks }
        const handle = await runEffect(c, purgeVm(c.var.actor, c.req.valid("param").id, options))
        return c.json({ task: handle.task }, 202)
      },
    )

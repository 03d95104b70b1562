import { Schema } from "effect"
import { Hono } from "hono"
import { deleteDisk, listDisks } from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { NoOptions } from "../storage/bodies.ts"
import { DiskListed, itemsOf } from "../storage/views.ts"
import { ApiId, QueryBool } from "../validation/schemas.ts"
import { jsonBody, pathParams, queryParams } from "../validation/validators.ts"
import { diskSeenBy } from "../views/host-paths.ts"
import { TaskAccepted } from "../vms/responses.ts"

const tag = "Disks and backups"

const DiskListQuery = Schema.Struct({
  /** Only disks no VM holds: what V1 offers to attach. */
  unattached: Schema.optionalKey(QueryBool),
  /** A superadmin's choice of department; ignored for others, who see their own scope. */
  departmentId: Schema.optionalKey(ApiId),
})

/** /api/v1/disks: the department's disks with owner and attachment (V1–V3), and deleting an unattached one. */
export const departmentDiskRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/",
      doc({
        tag,
        summary: "The disks the caller may see, with owner and attached VM (a user: own; an admin: the department's)",
        ok: { 200: json("The disks, oldest first", itemsOf(DiskListed)) },
        errors: [400],
      }),
      queryParams(DiskListQuery),
      async (c) => {
        const actor = c.var.actor
        const listed = await runEffect(c, listDisks(actor, c.req.valid("query")))
        const seen = diskSeenBy(actor)
        return c.json({ items: listed.map(({ disk, ownerName, vm }) => ({ ...seen(disk), ownerName, vm })) })
      },
    )
    .delete(
      "/:diskId",
      doc({
        tag,
        summary: "Delete an unattached disk and its file; its backups stay",
        description:
          "An attached disk is refused (409 disk-unattached): detach it first. A disk the caller cannot see is 404.",
        ok: { 202: json("The deletion's task; follow it at /api/v1/tasks/{id}", TaskAccepted) },
        errors: [400, 404, 409],
      }),
      pathParams(Schema.Struct({ diskId: ApiId })),
      jsonBody(NoOptions),
      async (c) => {
        const handle = await runEffect(c, deleteDisk(c.var.actor, c.req.valid("param").diskId))
        return c.json({ task: handle.task }, 202)
      },
    )

import { Schema } from "effect"
import { Hono } from "hono"
import { changeOwner } from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { ApiId, IdParam } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"
import { TaskSchema } from "../vms/responses.ts"

const ChangeOwnerBody = Schema.Struct({ ownerId: ApiId }).annotate({ identifier: "VmChangeOwner" })
const OwnerChanged = Schema.Struct({ task: TaskSchema }).annotate({ identifier: "VmOwnerChanged" })

/** /api/v1/vms/{id}/owner: give the VM to another user, department or company (R3). */
export const vmOwnerRoutes = () =>
  new Hono<AgentEnv>().post(
    "/:id/owner",
    doc({
      tag: "VM actions",
      summary: "Change a VM's owner, within the department, to another department or to another company (R3)",
      description:
        "The new owner must be a user the caller may see (403 owner-in-scope) and not the VM's owner already (422 " +
        "owner-unchanged). To another department the VM's snapshots, snapshot schedules, its disks' backups and backup " +
        "schedules must be gone (409 no-snapshots, no-snapshot-schedules, no-backups, no-backup-schedules); its " +
        "affinity groups (the old department's) are left. To another company the VM must also be stopped (409 " +
        "stopped-only); each NIC on the old department's isolated network or VPC subnet moves to the target " +
        "department's own of the same kind (created with the same layout when it has none) with a new address; " +
        "shared networks stay. The VM's disks follow the owner. The task's result lists the NICs moved.",
      ok: { 200: json("The task that recorded the change", OwnerChanged) },
      errors: [400, 403, 404, 409, 415, 422],
    }),
    pathParams(IdParam),
    jsonBody(ChangeOwnerBody),
    async (c) => {
      const { task } = await runEffect(
        c,
        changeOwner(c.var.actor, c.req.valid("param").id, c.req.valid("json").ownerId),
      )
      return c.json({ task })
    },
  )

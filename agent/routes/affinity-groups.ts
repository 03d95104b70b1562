import { Schema } from "effect"
import { Hono } from "hono"
import { createAffinityGroup, deleteAffinityGroup, listAffinityGroups, setAffinityGroups } from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { ApiId, IdParam } from "../validation/schemas.ts"
import { jsonBody, pathParams, queryParams } from "../validation/validators.ts"
import { TaskSchema } from "../vms/responses.ts"

const tag = "Affinity groups"

const GroupSchema = Schema.Struct({
  id: Schema.String,
  departmentId: Schema.String,
  name: Schema.String,
  policy: Schema.Literals(["affinity", "anti-affinity"]),
  createdAt: Schema.String,
}).annotate({ identifier: "AffinityGroup" })

const GroupCreate = Schema.Struct({
  name: Schema.String.check(Schema.isMaxLength(64)),
  policy: Schema.Literals(["affinity", "anti-affinity"]),
  /** Default the caller's department; another one is a superadmin's (403 department-in-scope). */
  departmentId: Schema.optionalKey(ApiId),
}).annotate({ identifier: "AffinityGroupCreate" })

const ListQuery = Schema.Struct({ departmentId: Schema.optionalKey(ApiId) })
const VmGroups = Schema.Struct({ groupIds: Schema.Array(ApiId).check(Schema.isMaxLength(16)) }).annotate({
  identifier: "VmAffinityGroups",
})

const view = (g: {
  id: string
  departmentId: string
  name: string
  policy: "affinity" | "anti-affinity"
  createdAt: Date
}) => ({
  ...g,
  createdAt: g.createdAt.toISOString(),
})

/** /api/v1/affinity-groups: a department's affinity and anti-affinity groups (R10, C3). */
export const affinityGroupRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/",
      doc({
        tag,
        summary: "A department's affinity groups (default the caller's; another one a superadmin's)",
        ok: { 200: json("The groups by name", Schema.Struct({ items: Schema.Array(GroupSchema) })) },
        errors: [400, 404],
      }),
      queryParams(ListQuery),
      async (c) =>
        c.json({
          items: (await runEffect(c, listAffinityGroups(c.var.actor, c.req.valid("query").departmentId))).map(view),
        }),
    )
    .post(
      "/",
      doc({
        tag,
        summary: "An admin makes an affinity or anti-affinity group for their department (R10)",
        description: "Admins only (403 admin-only), their own department unless superadmin (403 department-in-scope).",
        ok: { 201: json("The group", GroupSchema) },
        errors: [400, 403, 404, 415],
      }),
      jsonBody(GroupCreate),
      async (c) => c.json(view(await runEffect(c, createAffinityGroup(c.var.actor, c.req.valid("json")))), 201),
    )
    .delete(
      "/:id",
      doc({
        tag,
        summary: "An admin deletes a group of their department; its VMs leave it (R10)",
        ok: { 204: { description: "Deleted" } },
        errors: [400, 403, 404],
      }),
      pathParams(IdParam),
      async (c) => {
        await runEffect(c, deleteAffinityGroup(c.var.actor, c.req.valid("param").id))
        return c.body(null, 204)
      },
    )

/** /api/v1/vms/{id}/affinity-groups: the groups a stopped VM belongs to (R10). */
export const vmAffinityRoutes = () =>
  new Hono<AgentEnv>().put(
    "/:id/affinity-groups",
    doc({
      tag: "VM actions",
      summary: "Set the affinity groups of a stopped VM: join and leave (R10)",
      description:
        "Stopped only (409 stopped-only); several groups, all the VM's department's (422 affinity-group-department). " +
        "Placement reads them when the VM is placed again.",
      ok: { 200: json("The task that recorded them", Schema.Struct({ task: TaskSchema })) },
      errors: [400, 403, 404, 409, 415, 422],
    }),
    pathParams(IdParam),
    jsonBody(VmGroups),
    async (c) => {
      const { task } = await runEffect(
        c,
        setAffinityGroups(c.var.actor, c.req.valid("param").id, c.req.valid("json").groupIds),
      )
      return c.json({ task })
    },
  )

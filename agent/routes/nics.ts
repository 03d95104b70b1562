import { Schema } from "effect"
import { Hono } from "hono"
import { Nic } from "../../core/model/network.ts"
import { nicOperations } from "../../core/operations/networks/nics.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { ApiId, NoOptions, Text } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"
import { NicView, nicViews } from "../vms/nic-views.ts"
import { TaskSchema } from "../vms/responses.ts"

const tag = "Networks"
const refusals = [400, 403, 404, 409, 415, 422]

const VmParam = Schema.Struct({ id: ApiId })
const NicParams = Schema.Struct({ id: ApiId, nicId: ApiId })
const SecondaryParams = Schema.Struct({ id: ApiId, nicId: ApiId, address: Text(64) })
const JoinBody = Schema.Struct({
  networkId: ApiId,
  /** A fixed IP; default: the subnet's next free one. */
  ip: Schema.optionalKey(Text(64)),
  /** Default: the subnet's. */
  dhcp: Schema.optionalKey(Schema.Boolean),
}).annotate({ identifier: "NicJoin" })
const PrimaryIpBody = Schema.Struct({ ip: Text(64) }).annotate({ identifier: "NicPrimaryIp" })

const NicDone = Schema.Struct({ task: TaskSchema, nic: Nic }).annotate({ identifier: "NicChanged" })
const SecondaryDone = Schema.Struct({ task: TaskSchema, address: Schema.String }).annotate({
  identifier: "SecondaryIpAdded",
})
const TaskDone = Schema.Struct({ task: TaskSchema })

/** N4–N6 answer with their finished task only. */
const taskDoc = (summary: string, description?: string) =>
  doc({
    tag,
    summary,
    ...(description === undefined ? {} : { description }),
    ok: { 200: json("The task", TaskDone) },
    errors: refusals,
  })

/**
 * /api/v1/vms/{id}/nics…: the VM's networks (D5's network tab) and N1–N6, each a VM operation run by the one runner
 * (recorded as a task, one at a time per VM), refused with the rule's name. A NIC of another VM is 404.
 */
export const nicRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/:id/nics",
      doc({
        tag,
        summary: "A VM's networks: NICs with primary and secondary IPs, default first, and the actions each offers",
        ok: { 200: json("The NICs", Schema.Struct({ items: Schema.Array(NicView) })) },
        errors: [400, 404],
      }),
      pathParams(VmParam),
      async (c) => c.json({ items: await runEffect(c, nicViews(c.var.actor, c.req.valid("param").id, c.var.lang)) }),
    )
    .post(
      "/:id/nics",
      doc({
        tag,
        summary: "Join a network (N1): a NIC with a fixed or the next free IP; hot-plugged when the VM runs",
        description:
          "Refusals: network-available (403), subnet-already-joined, network-free-ips, fixed-ip-available (409).",
        ok: { 201: json("The task and the new NIC", NicDone) },
        errors: refusals,
      }),
      pathParams(VmParam),
      jsonBody(JoinBody),
      async (c) => {
        const { task, value } = await runEffect(
          c,
          nicOperations.join(c.var.actor, c.req.valid("param").id, c.req.valid("json")),
        )
        return c.json({ task, nic: value }, 201)
      },
    )
    .put(
      "/:id/nics/:nicId/primary-ip",
      doc({
        tag,
        summary: "Edit a network's primary IP (N2): the VM must be stopped",
        description: "Refusals: stopped-only, fixed-ip-available (409).",
        ok: { 200: json("The task and the NIC", NicDone) },
        errors: refusals,
      }),
      pathParams(NicParams),
      jsonBody(PrimaryIpBody),
      async (c) => {
        const { id, nicId } = c.req.valid("param")
        const { task, value } = await runEffect(
          c,
          nicOperations.editPrimaryIp(c.var.actor, id, nicId, c.req.valid("json").ip),
        )
        return c.json({ task, nic: value })
      },
    )
    .post(
      "/:id/nics/:nicId/secondary-ips",
      doc({
        tag,
        summary: "Acquire a secondary IP on a network (N3): the subnet's next free address",
        description: "Refusal: network-free-ips (409).",
        ok: { 201: json("The task and the address", SecondaryDone) },
        errors: refusals,
      }),
      pathParams(NicParams),
      jsonBody(NoOptions),
      async (c) => {
        const { id, nicId } = c.req.valid("param")
        const { task, value } = await runEffect(c, nicOperations.addSecondaryIp(c.var.actor, id, nicId))
        return c.json({ task, address: value }, 201)
      },
    )
    .delete(
      "/:id/nics/:nicId/secondary-ips/:address",
      taskDoc(
        "Delete a secondary IP (N4); the address goes back to the pool",
        "Refusal: secondary-ip-of-nic (422) for an address that is not one of this NIC's secondary IPs.",
      ),
      pathParams(SecondaryParams),
      jsonBody(NoOptions),
      async (c) => {
        const { id, nicId, address } = c.req.valid("param")
        const { task } = await runEffect(c, nicOperations.removeSecondaryIp(c.var.actor, id, nicId, address))
        return c.json({ task })
      },
    )
    .put(
      "/:id/nics/:nicId/default",
      taskDoc("Set the default network (N5); the VM's other networks lose the flag"),
      pathParams(NicParams),
      jsonBody(NoOptions),
      async (c) => {
        const { id, nicId } = c.req.valid("param")
        const { task } = await runEffect(c, nicOperations.setDefault(c.var.actor, id, nicId))
        return c.json({ task })
      },
    )
    .delete(
      "/:id/nics/:nicId",
      taskDoc(
        "Remove a network from the VM (N6): not the default one; unplugged when the VM runs",
        "Refusal: not-default-network (409).",
      ),
      pathParams(NicParams),
      jsonBody(NoOptions),
      async (c) => {
        const { id, nicId } = c.req.valid("param")
        const { task } = await runEffect(c, nicOperations.remove(c.var.actor, id, nicId))
        return c.json({ task })
      },
    )

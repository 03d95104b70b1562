import { Schema } from "effect"
import { Hono } from "hono"
import { Network, Subnet } from "../../core/model/network.ts"
import {
  createNetwork,
  deleteNetwork,
  listNetworks,
  NetworkCreateRequest,
} from "../../core/operations/networks/admin.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { IdParam, NoOptions } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"

const tag = "Networks"

const Usage = { used: Schema.Int, free: Schema.Int }
/** A network with its subnets and the addresses used and free on each (C6: a network with 0 free cannot be chosen). */
export const NetworkView = Network.mapFields((fields) => ({
  ...fields,
  subnets: Schema.Array(Subnet.mapFields((subnet) => ({ ...subnet, ...Usage }))),
  ...Usage,
})).annotate({ identifier: "Network" })

/** /api/v1/networks: the networks a caller may choose, and a superadmin's network management (#15). */
export const networkRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/",
      doc({
        tag,
        summary: "Networks the caller may use, with free-IP counts (C6, N1)",
        description:
          "A user sees shared networks and their department's own; an admin the company's; a superadmin all.",
        ok: { 200: json("The networks", Schema.Struct({ items: Schema.Array(NetworkView) })) },
      }),
      async (c) => c.json({ items: await runEffect(c, listNetworks(c.var.actor)) }),
    )
    .post(
      "/",
      doc({
        tag,
        summary: "Create a network with one subnet (superadmin)",
        description:
          "shared: every department, NAT to the outside; isolated / vpc: one department's own, reaching nothing " +
          "outside. Refusals: superadmin-only (403), network-department and subnet-layout (422).",
        ok: { 201: json("The network", NetworkView) },
        errors: [400, 403, 404, 415, 422],
      }),
      jsonBody(NetworkCreateRequest),
      async (c) => c.json(await runEffect(c, createNetwork(c.var.actor, c.req.valid("json"))), 201),
    )
    .delete(
      "/:id",
      doc({
        tag,
        summary: "Delete a network no NIC uses (superadmin); its bridge leaves the host",
        description: "Refusals: superadmin-only (403), network-in-use (409).",
        ok: { 204: { description: "Deleted" } },
        errors: [400, 403, 404, 409],
      }),
      pathParams(IdParam),
      jsonBody(NoOptions),
      async (c) => {
        await runEffect(c, deleteNetwork(c.var.actor, c.req.valid("param").id))
        return c.body(null, 204)
      },
    )

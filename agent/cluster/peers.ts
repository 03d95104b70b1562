import { Effect, Schema } from "effect"
import { type PeerCalls, PeerUnreachable } from "../../core/cluster/peers.ts"
import { provision } from "../../core/operations/provision.ts"
import type { RouteRegistrar } from "../app.ts"
import { runEffect } from "../bridge.ts"
import { ApiError } from "../errors/api-error.ts"
import { doc, json } from "../openapi/describe.ts"
import { IdParam } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"
import { sendForward } from "./forward.ts"
import type { ClusterLink } from "./link.ts"
import { isForwarded } from "./middleware.ts"

const ProvisionBody = Schema.Struct({ start: Schema.Boolean })
const Provisioned = Schema.Struct({ taskId: Schema.String })

/** #16: what this agent asks of the others, over signed requests (the core's PeerCalls). */
export const makePeers = (link: ClusterLink): PeerCalls => ({
  provision: (host, actor, vmId, start) =>
    Effect.tryPromise({
      try: async () => {
        const answer = await sendForward(link, host.address, host.id, actor, {
          method: "POST",
          path: `/api/v1/cluster/vms/${encodeURIComponent(vmId)}/provision`,
          body: new TextEncoder().encode(JSON.stringify({ start })),
          headers: { "content-type": "application/json" },
        })
        const body: unknown = await answer.json()
        if (answer.status !== 202) throw new Error(`answered ${answer.status}: ${JSON.stringify(body)}`)
        return Schema.decodeUnknownSync(Provisioned)(body).taskId
      },
      catch: (error) =>
        new PeerUnreachable({ hostId: host.id, message: error instanceof Error ? error.message : String(error) }),
    }),
})

/**
 * POST /api/v1/cluster/vms/{id}/provision: the first provisioning of a VM another agent placed on this host (#16).
 * Only for forwarded requests: a client cannot call it (403); it answers the task's id.
 */
export const clusterRoutes: RouteRegistrar = (api) => {
  api.post(
    "/cluster/vms/:id/provision",
    doc({
      tag: "Cluster",
      summary: "Provision a VM another agent placed on this host (#16); only for the cluster's agents",
      ok: { 202: json("The provisioning task", Provisioned) },
      errors: [400, 401, 403, 404, 409],
    }),
    pathParams(IdParam),
    jsonBody(ProvisionBody),
    async (c) => {
      if (!isForwarded(c)) {
        throw new ApiError(403, "forbidden", {
          en: "Only the cluster's agents call this route",
          zh: "只有集群内的代理可以调用此接口",
        })
      }
      const handle = await runEffect(c, provision(c.var.actor, c.req.valid("param").id, c.req.valid("json").start))
      return c.json({ taskId: handle.task.id }, 202)
    },
  )
}

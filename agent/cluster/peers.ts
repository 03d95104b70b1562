import { Effect, Schema } from "effect"
import type { Context } from "hono"
import { type PeerCalls, PeerUnreachable } from "../../core/cluster/peers.ts"
import type { Host } from "../../core/model/host.ts"
import { power } from "../../core/operations/power.ts"
import { provision } from "../../core/operations/provision.ts"
import { systemActor } from "../../core/operations/system-actor.ts"
import type { Actor } from "../../core/rules/context.ts"
import { Store } from "../../core/store/ports.ts"
import type { RouteRegistrar } from "../app.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { ApiError } from "../errors/api-error.ts"
import { doc, json } from "../openapi/describe.ts"
import { IdParam } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"
import { sendForward } from "./forward.ts"
import type { ClusterLink } from "./link.ts"
import { isForwarded } from "./middleware.ts"
import { systemCaller } from "./system-caller.ts"

const ProvisionBody = Schema.Struct({ start: Schema.Boolean })
const Started = Schema.Struct({ taskId: Schema.String })

/** A signed POST to one of the cluster's own routes on `host`'s agent: the id of the task it started. */
const callPeer = (link: ClusterLink, host: Host, actor: Actor, path: string, body: unknown) =>
  Effect.tryPromise({
    try: async () => {
      const answer = await sendForward(link, host.address, host.id, actor, {
        method: "POST",
        path,
        body: new TextEncoder().encode(JSON.stringify(body)),
        headers: { "content-type": "application/json" },
      })
      const text = await answer.text()
      if (answer.status !== 202) throw new Error(`answered ${answer.status}: ${text}`)
      return Schema.decodeUnknownSync(Started)(JSON.parse(text)).taskId
    },
    catch: (error) =>
      new PeerUnreachable({ hostId: host.id, message: error instanceof Error ? error.message : String(error) }),
  })

/** #16: what this agent asks of the others, over signed requests (the core's PeerCalls). */
export const makePeers = (link: ClusterLink): PeerCalls => ({
  provision: (host, actor, vmId, start) =>
    callPeer(link, host, actor, `/api/v1/cluster/vms/${encodeURIComponent(vmId)}/provision`, { start }),
  start: (host, vmId) =>
    callPeer(link, host, systemCaller, `/api/v1/cluster/vms/${encodeURIComponent(vmId)}/start`, {}),
})

/** The cluster's own routes answer forwarded requests only: a client calling one gets 403. */
export const agentsOnly = (c: Context<AgentEnv>) => {
  if (!isForwarded(c)) {
    throw new ApiError(403, "forbidden", {
      en: "Only the cluster's agents call this route",
      zh: "只有集群内的代理可以调用此接口",
    })
  }
}

const accepted = { 202: json("The task started", Started) }

/**
 * The routes agents call on each other (#16), never clients: POST /api/v1/cluster/vms/{id}/provision (a VM another
 * agent placed on this host) and POST /api/v1/cluster/vms/{id}/start (R12: the leader moved the VM here after its
 * host went down; started as the system).
 */
export const clusterRoutes: RouteRegistrar = (api) => {
  api.post(
    "/cluster/vms/:id/provision",
    doc({
      tag: "Cluster",
      summary: "Provision a VM placed on this host (agents only)",
      ok: accepted,
      errors: [403, 404, 409],
    }),
    pathParams(IdParam),
    jsonBody(ProvisionBody),
    async (c) => {
      agentsOnly(c)
      const handle = await runEffect(c, provision(c.var.actor, c.req.valid("param").id, c.req.valid("json").start))
      return c.json({ taskId: handle.task.id }, 202)
    },
  )
  api.post(
    "/cluster/vms/:id/start",
    doc({
      tag: "Cluster",
      summary: "Start a VM failed over to this host (agents only)",
      ok: accepted,
      errors: [403, 404, 409],
    }),
    pathParams(IdParam),
    async (c) => {
      agentsOnly(c)
      const id = c.req.valid("param").id
      const handle = await runEffect(
        c,
        Effect.flatMap(
          Store.use((store) => store.vms.get(id)),
          (vm) => power(systemActor(vm), vm.id, "start"),
        ),
      )
      return c.json({ taskId: handle.task.id }, 202)
    },
  )
}

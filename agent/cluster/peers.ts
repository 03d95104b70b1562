import { Effect, Schema } from "effect"
import type { Context } from "hono"
import { type PeerCalls, PeerUnreachable } from "../../core/cluster/peers.ts"
import { NotFound } from "../../core/errors.ts"
import type { Host } from "../../core/model/host.ts"
import { runBatchItems } from "../../core/operations/batch.ts"
import { power } from "../../core/operations/power.ts"
import { provision } from "../../core/operations/provision.ts"
import { systemActor } from "../../core/operations/system-actor.ts"
import type { Actor } from "../../core/rules/context.ts"
import { runSchedule } from "../../core/scheduler/run.ts"
import { Store } from "../../core/store/ports.ts"
import type { RouteRegistrar } from "../app.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { ApiError } from "../errors/api-error.ts"
import { doc, json } from "../openapi/describe.ts"
import { IdParam, IsoDateTime } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"
import { sendForward } from "./forward.ts"
import type { ClusterLink } from "./link.ts"
import { isForwarded } from "./middleware.ts"
import { systemCaller } from "./system-caller.ts"

const ProvisionBody = Schema.Struct({ start: Schema.Boolean })
const Started = Schema.Struct({ taskId: Schema.String })

/** L7 items another agent asked this one to run for its VMs (#16): the batch's request, the batch task's id. */
const BatchItems = Schema.Struct({
  action: Schema.String,
  vmIds: Schema.Array(Schema.String),
  force: Schema.optionalKey(Schema.Boolean),
  destroy: Schema.optionalKey(Schema.Boolean),
  withMemory: Schema.optionalKey(Schema.Boolean),
  name: Schema.optionalKey(Schema.String),
  detachDevices: Schema.optionalKey(Schema.Boolean),
  parentId: Schema.String,
})

/** Each VM's outcome in both languages (the asking agent answers its caller in the caller's). */
const BatchItemOutcome = Schema.Union([
  Schema.Struct({ vmId: Schema.String, status: Schema.Literal("accepted"), taskId: Schema.String }),
  Schema.Struct({
    vmId: Schema.String,
    status: Schema.Literal("refused"),
    rule: Schema.String,
    message: Schema.String,
    messageZh: Schema.String,
  }),
  Schema.Struct({ vmId: Schema.String, status: Schema.Literal("not-found") }),
])
const BatchItemsDone = Schema.Struct({ outcomes: Schema.Array(BatchItemOutcome) })

/** P2, V5 (#16): a due schedule the leader asks this agent to run for a VM of this host, and what the run did. */
const ScheduleRunBody = Schema.Struct({ at: IsoDateTime })
const ScheduleRan = Schema.Struct({ taskId: Schema.String, pruned: Schema.Array(Schema.String) })

/** The schedule and the VM it acts on (a backup schedule's: the VM its disk is attached to). */
const scheduledVm = (scheduleId: string) =>
  Effect.gen(function* () {
    const store = yield* Store
    const schedule = yield* store.schedules.get(scheduleId)
    const target = schedule.target
    const vmId = target.kind === "vm-snapshot" ? target.vmId : (yield* store.disks.get(target.diskId)).vmId
    if (vmId === null) return yield* new NotFound({ resource: "vm", id: `(disk ${schedule.id})` })
    return { schedule, vm: yield* store.vms.get(vmId) }
  })

/** A signed POST to one of the cluster's own routes on `host`'s agent, and its answer (expected status) decoded. */
const callPeer = <A>(
  link: ClusterLink,
  host: Host,
  actor: Actor,
  path: string,
  body: unknown,
  answerOf: Schema.Codec<A, unknown>,
  expected = 202,
) =>
  Effect.tryPromise({
    try: async () => {
      const answer = await sendForward(link, host.address, host.id, actor, {
        method: "POST",
        path,
        body: new TextEncoder().encode(JSON.stringify(body)),
        headers: { "content-type": "application/json" },
      })
      const text = await answer.text()
      if (answer.status !== expected) throw new Error(`answered ${answer.status}: ${text}`)
      return Schema.decodeUnknownSync(answerOf)(JSON.parse(text))
    },
    catch: (error) =>
      new PeerUnreachable({ hostId: host.id, message: error instanceof Error ? error.message : String(error) }),
  })

const startedTask = (answer: typeof Started.Type) => answer.taskId

/** #16: what this agent asks of the others, over signed requests (the core's PeerCalls). */
export const makePeers = (link: ClusterLink): PeerCalls => ({
  provision: (host, actor, vmId, start) =>
    callPeer(link, host, actor, `/api/v1/cluster/vms/${encodeURIComponent(vmId)}/provision`, { start }, Started).pipe(
      Effect.map(startedTask),
    ),
  start: (host, vmId, actor = systemCaller) =>
    callPeer(link, host, actor, `/api/v1/cluster/vms/${encodeURIComponent(vmId)}/start`, {}, Started).pipe(
      Effect.map(startedTask),
    ),
  runSchedule: (host, scheduleId, at) =>
    callPeer(
      link,
      host,
      systemCaller,
      `/api/v1/cluster/schedules/${encodeURIComponent(scheduleId)}/run`,
      { at: at.toISOString() },
      ScheduleRan,
      200,
    ),
  batch: (host, actor, request, parentId) =>
    callPeer(link, host, actor, "/api/v1/cluster/batch", { ...request, parentId }, BatchItemsDone, 200).pipe(
      Effect.map((answer) => answer.outcomes),
    ),
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
 * agent placed on this host), POST /api/v1/cluster/vms/{id}/start (R12: the leader moved the VM here after its
 * host went down, started as the system; #16: a caller's start moved a stopped VM here, started as that caller) and POST /api/v1/cluster/batch (L7: a batch's items for this host's VMs).
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
      summary: "Start a VM moved to this host after its own went down (agents only)",
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
          // The leader's failover acts as the platform; a caller's start of a VM moved here acts as that caller.
          (vm) => power(c.var.actor.userId === systemCaller.userId ? systemActor(vm) : c.var.actor, vm.id, "start"),
        ),
      )
      return c.json({ taskId: handle.task.id }, 202)
    },
  )
  api.post(
    "/cluster/schedules/:id/run",
    doc({
      tag: "Cluster",
      summary: "Run a due schedule of a VM of this host (agents only; the leader's scheduler)",
      ok: { 200: json("The run's task and retention's deletions", ScheduleRan) },
      errors: [403, 404],
    }),
    pathParams(IdParam),
    jsonBody(ScheduleRunBody),
    async (c) => {
      agentsOnly(c)
      const at = c.req.valid("json").at
      const run = await runEffect(
        c,
        Effect.flatMap(scheduledVm(c.req.valid("param").id), ({ schedule, vm }) => runSchedule(schedule, vm, at)),
      )
      return c.json({ taskId: run.task.id, pruned: run.pruned.map((t) => t.id) }, 200)
    },
  )
  api.post(
    "/cluster/batch",
    doc({
      tag: "Cluster",
      summary: "Run a batch's items for VMs of this host (agents only)",
      ok: { 200: json("Each VM's outcome", BatchItemsDone) },
      errors: [403],
    }),
    jsonBody(BatchItems),
    async (c) => {
      agentsOnly(c)
      const { parentId, ...request } = c.req.valid("json")
      const outcomes = await runEffect(c, runBatchItems(c.var.actor, request, parentId, request.vmIds))
      return c.json({ outcomes }, 200)
    },
  )
}

import { Effect, Schema } from "effect"
import { PeerUnreachable } from "../../core/cluster/peers.ts"
import type { MigrationStorage } from "../../core/driver/driver.ts"
import type { Host } from "../../core/model/host.ts"
import {
  abortIncomingHere,
  finishIncomingHere,
  Incoming,
  type MigrationPeerCalls,
  MovedDisk,
  prepareIncomingHere,
} from "../../core/operations/migrate/index.ts"
import type { RouteRegistrar } from "../app.ts"
import { runEffect } from "../bridge.ts"
import { ApiError } from "../errors/api-error.ts"
import { doc, json } from "../openapi/describe.ts"
import { IdParam } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"
import { sendForward } from "./forward.ts"
import type { ClusterLink } from "./link.ts"
import { agentsOnly } from "./peers.ts"
import { systemCaller } from "./system-caller.ts"

const StorageBody = Schema.Struct({ storage: Schema.Literals(["shared", "local"]) })
const AbortBody = Schema.Struct({ disks: Schema.Array(MovedDisk) })
const Done = Schema.Struct({ ok: Schema.Boolean })
const decodeIncoming = Schema.decodeUnknownSync(Incoming)
const ErrorAnswer = Schema.Struct({ error: Schema.Struct({ message: Schema.String }) })
const decodeError = Schema.decodeUnknownOption(ErrorAnswer)

/**
 * A signed POST to a migration route of `host`'s agent, as the platform: the answer's JSON, or PeerUnreachable with
 * that agent's own reason (the migration's task records it).
 */
const callTarget = (link: ClusterLink, host: Host, vmId: string, step: string, body: unknown) =>
  Effect.tryPromise({
    try: async () => {
      const answer = await sendForward(link, host.address, host.id, systemCaller, {
        method: "POST",
        path: `/api/v1/cluster/vms/${encodeURIComponent(vmId)}/migration/${step}`,
        body: new TextEncoder().encode(JSON.stringify(body)),
        headers: { "content-type": "application/json" },
      })
      const text = await answer.text()
      const parsed: unknown = text === "" ? undefined : JSON.parse(text)
      if (answer.status !== 200) {
        const reason = decodeError(parsed)
        throw new Error(`${step} on ${host.name}: ${reason._tag === "Some" ? reason.value.error.message : text}`)
      }
      return parsed
    },
    catch: (error) =>
      new PeerUnreachable({ hostId: host.id, message: error instanceof Error ? error.message : String(error) }),
  })

/** R9: the target's half of a live migration, asked of the target host's agent over the signed channel. */
export const makeMigrationPeers = (link: ClusterLink): MigrationPeerCalls => ({
  prepare: (host, vmId, storage) =>
    callTarget(link, host, vmId, "prepare", { storage }).pipe(
      Effect.flatMap((answer) =>
        Effect.try({
          try: () => decodeIncoming(answer),
          catch: () => new PeerUnreachable({ hostId: host.id, message: "prepare: an answer that is no endpoint" }),
        }),
      ),
    ),
  finish: (host, vmId) => Effect.asVoid(callTarget(link, host, vmId, "finish", {})),
  abort: (host, vmId, made) => Effect.asVoid(callTarget(link, host, vmId, "abort", { disks: made })),
})

/** The target's failure, with its own words: the source records them in the migration's task. */
const failed = (error: { readonly message: string }) =>
  new ApiError(409, "migration-failed", { en: error.message, zh: error.message })

const steps = { 200: json("Done", Done) }

/**
 * R9, agents only: POST /api/v1/cluster/vms/{id}/migration/prepare ({storage}: the incoming hypervisor and, for local
 * storage, the disk files; answers the endpoint and the disks' new paths), …/finish (the guest proven alive here)
 * and …/abort ({disks}: the incoming side ended, the files prepare made removed).
 */
export const migrationClusterRoutes: RouteRegistrar = (api) => {
  api.post(
    "/cluster/vms/:id/migration/prepare",
    doc({
      tag: "Cluster",
      summary: "Prepare an incoming live migration (agents only)",
      ok: { 200: json("Where the source sends", Incoming) },
      errors: [403, 404, 409],
    }),
    pathParams(IdParam),
    jsonBody(StorageBody),
    async (c) => {
      agentsOnly(c)
      const { id } = c.req.valid("param")
      const storage: MigrationStorage = c.req.valid("json").storage
      return c.json(await runEffect(c, prepareIncomingHere(id, storage).pipe(Effect.mapError(failed))))
    },
  )
  api.post(
    "/cluster/vms/:id/migration/finish",
    doc({ tag: "Cluster", summary: "Prove an incoming guest alive (agents only)", ok: steps, errors: [403, 404, 409] }),
    pathParams(IdParam),
    async (c) => {
      agentsOnly(c)
      await runEffect(c, finishIncomingHere(c.req.valid("param").id).pipe(Effect.mapError(failed)))
      return c.json({ ok: true })
    },
  )
  api.post(
    "/cluster/vms/:id/migration/abort",
    doc({
      tag: "Cluster",
      summary: "End an incoming live migration (agents only)",
      ok: steps,
      errors: [403, 404, 409],
    }),
    pathParams(IdParam),
    jsonBody(AbortBody),
    async (c) => {
      agentsOnly(c)
      const { id } = c.req.valid("param")
      await runEffect(c, abortIncomingHere(id, c.req.valid("json").disks).pipe(Effect.mapError(failed)))
      return c.json({ ok: true })
    },
  )
}

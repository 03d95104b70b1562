import { Schema } from "effect"
import { Hono } from "hono"
import { cancelMigration, maximumDiskSyncSeconds, migrateVm } from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { ApiId, IdParam, NoOptions } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"
import { TaskAccepted } from "../vms/responses.ts"

const tag = "VM actions"

const MigrateBody = Schema.Struct({
  /** The host to move to; absent, placement chooses among the other hosts (most free memory first). */
  hostId: Schema.optionalKey(ApiId),
  /**
   * converge (default): the driver's path that never delivers a broken guest (QEMU: pre-copy with a downtime limit,
   * auto-converge and post-copy; pause-first under TCG); precopy: never post-copy; pause-first: the guest stops
   * for the copy.
   */
  mode: Schema.optionalKey(Schema.Literals(["converge", "precopy", "pause-first"])),
  /**
   * Disks not in the shared storage: how long their copy may take to catch up with the guest's writes before the
   * migration fails and the VM runs on at its host. Default: 30 min, or 30 s per GiB of the VM's disks if longer.
   */
  diskSyncTimeoutSeconds: Schema.optionalKey(
    Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: maximumDiskSyncSeconds })),
  ),
}).annotate({ identifier: "VmMigrate" })

const Cancelled = Schema.Struct({ vmId: Schema.String, cancelled: Schema.Boolean }).annotate({
  identifier: "VmMigrateCancelled",
})

/** /api/v1/vms/{id}/migrate and its cancel (R9): live migration to another host. */
export const vmMigrateRoutes = () =>
  new Hono<AgentEnv>()
    .post(
      "/:id/migrate",
      doc({
        tag,
        summary: "Live-migrate a running VM to another host (R9)",
        description:
          "Superadmin only (403 superadmin-only); running only (409 lifecycle-state); another host than the VM's " +
          "(422 migrate-other-host); the host up (409 host-up), not dedicated to another department (409 " +
          "host-dedicated), with room for the VM's CPUs and memory (409 host-capacity); no GPU or USB device " +
          "attached (409 migrate-no-passthrough). Without hostId, placement chooses (409 no-host-up, no-host-capacity, " +
          "… when none can take it). Disks all in the cluster's shared storage: memory moves alone; otherwise the " +
          "disks are mirrored to the target host and recorded there. The VM reads `migrating` meanwhile; progress " +
          "comes as `vm-migration` events on WS /api/v1/events. The VM's host changes only once the target proved the " +
          "guest alive; any failure leaves it running on its host, the task failed with the reason.",
        ok: { 202: json("The migration's task; follow it at /api/v1/tasks/{id}", TaskAccepted) },
        errors: [400, 403, 404, 409, 415, 422, 502, 503],
      }),
      pathParams(IdParam),
      jsonBody(MigrateBody),
      async (c) => {
        const handle = await runEffect(c, migrateVm(c.var.actor, c.req.valid("param").id, c.req.valid("json")))
        return c.json({ task: handle.task }, 202)
      },
    )
    .post(
      "/:id/migrate/cancel",
      doc({
        tag,
        summary: "Cancel a running live migration; the VM keeps running on its host (R9)",
        description:
          "Superadmin only (403 superadmin-only); while a migration runs (409 migration-running). The migration's " +
          "task then fails as cancelled and the VM reads running on its host again. Once the target has proved the " +
          "guest, the migration completes instead.",
        ok: { 200: json("The cancel was sent", Cancelled) },
        errors: [400, 403, 404, 409, 415],
      }),
      pathParams(IdParam),
      jsonBody(NoOptions),
      async (c) => {
        const vm = await runEffect(c, cancelMigration(c.var.actor, c.req.valid("param").id))
        return c.json({ vmId: vm.id, cancelled: true })
      },
    )

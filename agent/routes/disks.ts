import { Effect } from "effect"
import { Hono } from "hono"
import {
  attachDisk,
  backupDisk,
  createBackupSchedule,
  createDisk,
  deleteBackupSchedule,
  detachDisk,
} from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { BackupScheduleBody, DiskCreateBody, DiskParams, DiskScheduleParams, NoOptions } from "../storage/bodies.ts"
import {
  BackupSchema,
  backupItems,
  backupScheduleItems,
  DiskView,
  diskItems,
  diskOfVm,
  itemsOf,
  ScheduleCreated,
  ScheduleView,
  withNextRun,
} from "../storage/views.ts"
import { IdParam } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"
import { TaskAccepted } from "../vms/responses.ts"

const tag = "Disks and backups"
const refusals = [400, 403, 404, 409, 415, 422]

/**
 * /api/v1/vms/{id}/disks…: a VM's disks, their backups (V4) and backup schedules (V5, V6). A disk not attached to
 * the VM in the path is 404, as is anything outside the caller's scope.
 */
export const diskRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/:id/disks",
      doc({
        tag,
        summary: "A VM's disks, each with its number of backups and the last backup's time",
        ok: { 200: json("The disks", itemsOf(DiskView)) },
        errors: [400, 404],
      }),
      pathParams(IdParam),
      async (c) => c.json({ items: await runEffect(c, diskItems(c.var.actor, c.req.valid("param").id)) }),
    )
    .post(
      "/:id/disks",
      doc({
        tag,
        summary: "Create a data disk and attach it to the VM; hot-plugged while the VM runs (V2)",
        description:
          "Refused (409) while the VM has snapshots (no-snapshots), when the department's disk quota is short " +
          "(quota-disk, checked again where the disk is recorded, so parallel creates cannot overrun it), or while " +
          "another operation holds the VM (vm-busy). The task's params.diskId names the new disk.",
        ok: { 202: json("The disk's task; follow it at /api/v1/tasks/{id}", TaskAccepted) },
        errors: refusals,
      }),
      pathParams(IdParam),
      jsonBody(DiskCreateBody),
      async (c) => {
        const handle = await runEffect(c, createDisk(c.var.actor, c.req.valid("param").id, c.req.valid("json")))
        return c.json({ task: handle.task }, 202)
      },
    )
    .post(
      "/:id/disks/:diskId/attach",
      doc({
        tag,
        summary: "Attach an unattached disk to the VM; hot-plugged while the VM runs (V1)",
        description:
          "Only an unattached (409 disk-unattached) data disk of the VM's department on the VM's host " +
          "(422 disk-fits-vm), and only while the VM has no snapshots (409 no-snapshots). Of two VMs attaching " +
          "one disk at once, one gets it. A disk the caller cannot see is 404.",
        ok: { 202: json("The attachment's task; follow it at /api/v1/tasks/{id}", TaskAccepted) },
        errors: refusals,
      }),
      pathParams(DiskParams),
      jsonBody(NoOptions),
      async (c) => {
        const { id, diskId } = c.req.valid("param")
        const handle = await runEffect(c, attachDisk(c.var.actor, id, diskId))
        return c.json({ task: handle.task }, 202)
      },
    )
    .post(
      "/:id/disks/:diskId/detach",
      doc({
        tag,
        summary: "Detach a data disk; hot-unplugged while the VM runs; the disk and its data stay (V3)",
        description:
          "Never the system disk (422 not-system-disk); not while the VM has snapshots (409 no-snapshots). The " +
          "disk stays on its host, unattached, for another VM of the department.",
        ok: { 202: json("The detachment's task; follow it at /api/v1/tasks/{id}", TaskAccepted) },
        errors: refusals,
      }),
      pathParams(DiskParams),
      jsonBody(NoOptions),
      async (c) => {
        const { id, diskId } = c.req.valid("param")
        const actor = c.var.actor
        const handle = await runEffect(c, Effect.andThen(diskOfVm(actor, id, diskId), detachDisk(actor, id, diskId)))
        return c.json({ task: handle.task }, 202)
      },
    )
    .get(
      "/:id/disks/:diskId/backups",
      doc({
        tag,
        summary: "A disk's backups, newest first: full or incremental, origin, size, state (V4–V6)",
        ok: { 200: json("The backups", itemsOf(BackupSchema)) },
        errors: [400, 404],
      }),
      pathParams(DiskParams),
      async (c) => {
        const { id, diskId } = c.req.valid("param")
        return c.json({ items: await runEffect(c, backupItems(c.var.actor, id, diskId)) })
      },
    )
    .post(
      "/:id/disks/:diskId/backups",
      doc({
        tag,
        summary: "Back up a disk now: the first backup is full, the next ones incremental (V4)",
        description:
          "Refused (409) while the VM has snapshots (no-snapshots) or snapshot schedules (no-snapshot-schedules). " +
          "The task's params.backupId (and, once it succeeded, result.backupId and result.kind) name the backup.",
        ok: { 202: json("The backup's task; follow it at /api/v1/tasks/{id}", TaskAccepted) },
        errors: refusals,
      }),
      pathParams(DiskParams),
      jsonBody(NoOptions),
      async (c) => {
        const { id, diskId } = c.req.valid("param")
        const actor = c.var.actor
        const handle = await runEffect(c, Effect.andThen(diskOfVm(actor, id, diskId), backupDisk(actor, id, diskId)))
        return c.json({ task: handle.task }, 202)
      },
    )
    .get(
      "/:id/disks/:diskId/backup-schedules",
      doc({
        tag,
        summary: "A disk's backup schedules, each with its next run (V5)",
        ok: { 200: json("The schedules", itemsOf(ScheduleView)) },
        errors: [400, 404],
      }),
      pathParams(DiskParams),
      async (c) => {
        const { id, diskId } = c.req.valid("param")
        return c.json({ items: await runEffect(c, backupScheduleItems(c.var.actor, id, diskId)) })
      },
    )
    .post(
      "/:id/disks/:diskId/backup-schedules",
      doc({
        tag,
        summary: "Schedule backups: hourly, daily, weekly or monthly, keeping the newest N it made (V5)",
        description:
          "At most one schedule per period per disk (409 one-schedule-per-period); refused while the VM has " +
          "snapshots or snapshot schedules. An unknown time zone is 400.",
        ok: { 201: json("The schedule and the task that recorded it", ScheduleCreated) },
        errors: refusals,
      }),
      pathParams(DiskParams),
      jsonBody(BackupScheduleBody),
      async (c) => {
        const { id, diskId } = c.req.valid("param")
        const actor = c.var.actor
        const created = await runEffect(
          c,
          Effect.andThen(diskOfVm(actor, id, diskId), createBackupSchedule(actor, id, diskId, c.req.valid("json"))),
        )
        return c.json({ task: created.task, schedule: withNextRun(created.schedule) }, 201)
      },
    )
    .delete(
      "/:id/disks/:diskId/backup-schedules/:scheduleId",
      doc({
        tag,
        summary: "Delete a backup schedule; the backups it made stay (V6)",
        ok: { 200: json("The task that recorded it", TaskAccepted) },
        errors: [400, 403, 404, 409],
      }),
      pathParams(DiskScheduleParams),
      jsonBody(NoOptions),
      async (c) => {
        const { id, diskId, scheduleId } = c.req.valid("param")
        const actor = c.var.actor
        const task = await runEffect(
          c,
          Effect.andThen(diskOfVm(actor, id, diskId), deleteBackupSchedule(actor, diskId, scheduleId)),
        )
        return c.json({ task })
      },
    )

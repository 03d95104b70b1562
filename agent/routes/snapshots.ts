import { Hono } from "hono"
import {
  createSnapshot,
  createSnapshotSchedule,
  deleteSnapshot,
  deleteSnapshotSchedule,
  rollbackSnapshot,
} from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { NoOptions, ScheduleParams, SnapshotBody, SnapshotParams, SnapshotScheduleBody } from "../storage/bodies.ts"
import {
  itemsOf,
  ScheduleCreated,
  ScheduleView,
  SnapshotSchema,
  snapshotItems,
  snapshotScheduleItems,
  withNextRun,
} from "../storage/views.ts"
import { IdParam } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"
import { TaskAccepted } from "../vms/responses.ts"

const tag = "Snapshots"
const accepted = { 202: json("The operation's task; follow it at /api/v1/tasks/{id}", TaskAccepted) }
const refusals = [400, 403, 404, 409, 415, 422]

/** /api/v1/vms/{id}/snapshots and /snapshot-schedules (P1–P5). */
export const snapshotRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/:id/snapshots",
      doc({
        tag,
        summary: "A VM's snapshots, newest first, with state, size and creation time (P1–P5)",
        ok: { 200: json("The snapshots", itemsOf(SnapshotSchema)) },
        errors: [400, 404],
      }),
      pathParams(IdParam),
      async (c) => c.json({ items: await runEffect(c, snapshotItems(c.var.actor, c.req.valid("param").id)) }),
    )
    .post(
      "/:id/snapshots",
      doc({
        tag,
        summary: "Take a snapshot, optionally with memory (P1)",
        description:
          "Refused (409) while the VM's disks have backups (no-backups) or backup schedules (no-backup-schedules); " +
          "with memory only while running (memory-snapshot-running-only). task.targetId is the snapshot's id.",
        ok: accepted,
        errors: refusals,
      }),
      pathParams(IdParam),
      jsonBody(SnapshotBody),
      async (c) => {
        const handle = await runEffect(c, createSnapshot(c.var.actor, c.req.valid("param").id, c.req.valid("json")))
        return c.json({ task: handle.task }, 202)
      },
    )
    .post(
      "/:id/snapshots/:snapshotId/rollback",
      doc({
        tag,
        summary: "Roll a stopped VM back to a snapshot (P4)",
        description: "Stopped only (409 stopped-only); the snapshot must be ready (409 snapshot-ready).",
        ok: accepted,
        errors: refusals,
      }),
      pathParams(SnapshotParams),
      jsonBody(NoOptions),
      async (c) => {
        const { id, snapshotId } = c.req.valid("param")
        const handle = await runEffect(c, rollbackSnapshot(c.var.actor, id, snapshotId))
        return c.json({ task: handle.task }, 202)
      },
    )
    .delete(
      "/:id/snapshots/:snapshotId",
      doc({ tag, summary: "Delete a snapshot (P5)", ok: accepted, errors: [400, 403, 404, 409] }),
      pathParams(SnapshotParams),
      jsonBody(NoOptions),
      async (c) => {
        const { id, snapshotId } = c.req.valid("param")
        const handle = await runEffect(c, deleteSnapshot(c.var.actor, id, snapshotId))
        return c.json({ task: handle.task }, 202)
      },
    )
    .get(
      "/:id/snapshot-schedules",
      doc({
        tag,
        summary: "A VM's snapshot schedules, each with its next run (P2)",
        ok: { 200: json("The schedules", itemsOf(ScheduleView)) },
        errors: [400, 404],
      }),
      pathParams(IdParam),
      async (c) => c.json({ items: await runEffect(c, snapshotScheduleItems(c.var.actor, c.req.valid("param").id)) }),
    )
    .post(
      "/:id/snapshot-schedules",
      doc({
        tag,
        summary: "Schedule snapshots: hourly, daily, weekly or monthly, keeping the newest N it made (P2)",
        description:
          "At most one schedule per period (409 one-schedule-per-period); refused while the VM's disks have " +
          "backups or backup schedules. An unknown time zone is 400.",
        ok: { 201: json("The schedule and the task that recorded it", ScheduleCreated) },
        errors: refusals,
      }),
      pathParams(IdParam),
      jsonBody(SnapshotScheduleBody),
      async (c) => {
        const created = await runEffect(
          c,
          createSnapshotSchedule(c.var.actor, c.req.valid("param").id, c.req.valid("json")),
        )
        return c.json({ task: created.task, schedule: withNextRun(created.schedule) }, 201)
      },
    )
    .delete(
      "/:id/snapshot-schedules/:scheduleId",
      doc({
        tag,
        summary: "Delete a snapshot schedule; the snapshots it made stay (P3)",
        ok: { 200: json("The task that recorded it", TaskAccepted) },
        errors: [400, 403, 404, 409],
      }),
      pathParams(ScheduleParams),
      jsonBody(NoOptions),
      async (c) => {
        const { id, scheduleId } = c.req.valid("param")
        return c.json({ task: await runEffect(c, deleteSnapshotSchedule(c.var.actor, id, scheduleId)) })
      },
    )

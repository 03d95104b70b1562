import { Schema } from "effect"
import { Hono } from "hono"
import { createVms, deleteVm, Store, type VmCursor } from "../../core/index.ts"
import { now } from "../../core/operations/clock.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { vmEntityTag } from "../middleware/if-match.ts"
import { doc, json } from "../openapi/describe.ts"
import { IdParam, NoOptions, QueryBool } from "../validation/schemas.ts"
import { jsonBody, pathParams, queryParams } from "../validation/validators.ts"
import { columnFields, defaultExportColumns } from "../vms/columns.ts"
import { CreateVmBody, Quote, QuoteBody, quoteFor, toCreateRequest } from "../vms/create.ts"
import { VmDetail, vmDetail } from "../vms/detail.ts"
import { exportBatchRows, exportFileName, vmSheet } from "../vms/export-xlsx.ts"
import { columnsOf, toVmQuery, VmExportQuery, VmListQuery, vmPage } from "../vms/list-query.ts"
import { patchVm, VmPatchBody } from "../vms/patch.ts"
import { CreatedSchema, PatchedSchema, TaskAccepted, VmPageSchema } from "../vms/responses.ts"

const tag = "VMs"
const DeleteQuery = Schema.Struct({
  /** B4 "destroy completely" instead of the recycle bin. */
  destroy: Schema.optionalKey(QueryBool),
  /** Delete data disks too (destroy only); they are kept otherwise. */
  deleteDataDisks: Schema.optionalKey(QueryBool),
  lang: Schema.optionalKey(Schema.String),
})

/** /api/v1/vms: the list (L1–L5), export (L6), create (C1–C8) and quote (C7), detail (D1–D4), patch, delete (B4). */
export const vmRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/",
      doc({
        tag,
        summary: "List VMs: search, filters, columns, sort, paging, totals (L1–L5)",
        ok: { 200: json("One page and the totals of the filtered set", VmPageSchema) },
        errors: [400],
      }),
      queryParams(VmListQuery),
      async (c) => c.json(await runEffect(c, vmPage(c.var.actor, c.req.valid("query"), false))),
    )
    .get(
      "/export.xlsx",
      doc({
        tag,
        summary: "Export the filtered list as XLSX, with a totals row (L6)",
        description:
          "Streamed: rows are read from the database in batches of a few hundred as the client takes the bytes, so the " +
          "agent's memory does not grow with the row count. The totals row is computed when the export starts.",
        ok: {
          200: {
            description: "The sheet; headers and state names in Chinese with Accept-Language: zh",
            content: { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {} },
          },
        },
        errors: [400],
      }),
      queryParams(VmExportQuery),
      async (c) => {
        const query = c.req.valid("query")
        const columns = columnsOf(query, defaultExportColumns)
        const vmQuery = { ...toVmQuery(c.var.actor, query, false), limit: exportBatchRows(columns.length) }
        const fields = columnFields(columns)
        const first = await runEffect(
          c,
          Store.use((s) => s.vms.sheet(vmQuery, fields)),
        )
        const after = (cursor: VmCursor) =>
          runEffect(
            c,
            Store.use((s) => s.vms.sheet({ ...vmQuery, after: cursor, totals: false }, fields)),
          )
        const at = await runEffect(c, now)
        const sheet = vmSheet(first, after, columns, c.var.lang)
        return c.body(sheet, 200, {
          "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          "Content-Disposition": exportFileName(c.var.lang, at),
        })
      },
    )
    .post(
      "/quote",
      doc({
        tag,
        summary: "Remaining quota and price of a VM being chosen (C7)",
        ok: { 200: json("The quote", Quote) },
        errors: [400, 403, 404, 415],
      }),
      jsonBody(QuoteBody),
      async (c) => c.json(await runEffect(c, quoteFor(c.var.actor, c.req.valid("json")))),
    )
    .post(
      "/",
      doc({
        tag,
        summary: "Create 1–10 VMs (C1–C8); returns a task per VM",
        description: "All or nothing for quota and IPs (C8). Each VM then provisions as its own task.",
        ok: { 202: json("The VMs' ids and their tasks", CreatedSchema) },
        errors: [400, 403, 404, 409, 415, 422],
      }),
      jsonBody(CreateVmBody),
      async (c) => {
        const handles = await runEffect(c, createVms(c.var.actor, toCreateRequest(c.req.valid("json"))))
        const tasks = handles.map((handle) => handle.task)
        return c.json({ vmIds: tasks.flatMap((task) => (task.vmId === null ? [] : [task.vmId])), tasks }, 202)
      },
    )
    .get(
      "/:id",
      doc({
        tag,
        summary: "VM detail (D1–D4) with the actions the caller may take now",
        description:
          "The ETag header is the VM record's version (`vm.version`): send it as If-Match on PATCH, DELETE or an " +
          "action to act only on the VM as read (412 precondition-failed otherwise).",
        ok: {
          200: {
            ...json("The VM", VmDetail),
            headers: { ETag: { description: 'The VM\'s version, e.g. "12"', schema: { type: "string" } } },
          },
        },
        errors: [400, 404],
      }),
      pathParams(IdParam),
      async (c) => {
        const detail = await runEffect(c, vmDetail(c.var.actor, c.req.valid("param").id, c.var.lang))
        c.header("ETag", vmEntityTag(detail.vm.version))
        return c.json(detail)
      },
    )
    .patch(
      "/:id",
      doc({
        tag,
        summary: "Edit name (R2), remarks (R4), reclaim date (R5), HA (R12), deletion protection (R7)",
        description:
          "Every field's rules are checked first, so a refusal changes nothing; then the fields are applied in the " +
          "order displayName, remarks, reclaimAt, haEnabled, deletionProtected, each as its own task.",
        ok: { 200: json("The VM after the edits, and a task per edit", PatchedSchema) },
        errors: [400, 403, 404, 409, 415, 422],
      }),
      pathParams(IdParam),
      jsonBody(VmPatchBody),
      async (c) => c.json(await runEffect(c, patchVm(c.var.actor, c.req.valid("param").id, c.req.valid("json")))),
    )
    .delete(
      "/:id",
      doc({
        tag,
        summary: "Delete a VM to the recycle bin, or destroy it completely (B4)",
        ok: { 202: json("The delete task", TaskAccepted) },
        errors: [400, 403, 404, 409],
      }),
      pathParams(IdParam),
      queryParams(DeleteQuery),
      jsonBody(NoOptions),
      async (c) => {
        const { destroy, deleteDataDisks } = c.req.valid("query")
        const handle = await runEffect(
          c,
          deleteVm(c.var.actor, c.req.valid("param").id, {
            ...(destroy === undefined ? {} : { destroy }),
            ...(deleteDataDisks === undefined ? {} : { deleteDataDisks }),
          }),
        )
        return c.json({ task: handle.task }, 202)
      },
    )

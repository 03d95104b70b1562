import { Effect, Schema } from "effect"
import type { Lang } from "../../core/index.ts"
import { allowedActions } from "../../core/operations/allowed-actions.ts"
import { loadVisibleVmDetail } from "../../core/operations/vm-context.ts"
import type { Actor } from "../../core/rules/context.ts"
import { VmRow } from "./columns.ts"
import { AllowedActionSchema } from "./detail.ts"
import { type VmListQuery, vmPage } from "./list-query.ts"
import { VmPageSchema } from "./responses.ts"

/** What a row of the recycle bin offers (G3): its two actions, so a view needs no detail per row. */
const binActions = ["restore", "purge"]

/** Rows previewed at once: each reads its VM in one statement, so a page of 20 holds few pool connections. */
const previewConcurrency = 4

export const RecycleBinPage = VmPageSchema.mapFields((fields) => ({
  ...fields,
  items: Schema.Array(
    VmRow.mapFields((row) => ({ ...row, allowedActions: Schema.Array(AllowedActionSchema) })).annotate({
      identifier: "RecycledVmRow",
    }),
  ),
})).annotate({ identifier: "RecycleBinPage" })

/**
 * G3: one page of the recycle bin, each row with the core's preview of restore and purge for the caller (the same
 * rules as the detail's allowedActions). A VM purged between the page and its preview offers nothing.
 */
export const recycleBinPage = Effect.fn("agent.recycleBinPage")(function* (
  actor: Actor,
  query: VmListQuery,
  lang: Lang,
) {
  const page = yield* vmPage(actor, query, true)
  const items = yield* Effect.forEach(
    page.items,
    (row) =>
      // every row has its id (pickColumns copies it first)
      loadVisibleVmDetail(actor, String(row.id)).pipe(
        Effect.flatMap(({ preview }) =>
          allowedActions(preview.context, { lang, locked: preview.locked, only: binActions }),
        ),
        Effect.catchTag("NotFound", () => Effect.succeed([])),
        Effect.map((actions) => ({ ...row, allowedActions: actions })),
      ),
    { concurrency: previewConcurrency },
  )
  return { ...page, items }
})

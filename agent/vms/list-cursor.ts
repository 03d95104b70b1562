import { Option, Schema } from "effect"
import type { VmCursor, VmSortKey } from "../../core/index.ts"
import { vmSortKeys } from "../../core/store/vm-sort-keys.ts"
import { apiErrors } from "../errors/messages.ts"

/**
 * The list's keyset cursor (`next` in a page, `cursor` in the next request): the last row's sort key and id, with
 * the sort it belongs to. Opaque to callers (base64url of JSON); a cursor of another sort is refused rather than
 * read in the wrong order.
 */
const CursorJson = Schema.Struct({
  by: Schema.Literals(vmSortKeys),
  order: Schema.Literals(["asc", "desc"]),
  key: Schema.NullOr(Schema.String),
  id: Schema.String,
})
type CursorJson = typeof CursorJson.Type

const decodeCursor = Schema.decodeUnknownOption(Schema.fromJsonString(CursorJson))

export const CursorParam = Schema.String.check(
  Schema.isMaxLength(2000),
  Schema.isPattern(/^[A-Za-z0-9_-]+$/, { message: "Expected a cursor from a page's next" }),
).annotate({
  description:
    "Keyset paging: a page's `next`, with the same filters and sort; the page starts after that page's last row",
})

export const encodeCursor = (sort: { readonly by: VmSortKey; readonly order: "asc" | "desc" }, at: VmCursor) =>
  Buffer.from(JSON.stringify({ by: sort.by, order: sort.order, key: at.key, id: at.id } satisfies CursorJson)).toString(
    "base64url",
  )

const invalid = (en: string, zh: string) =>
  apiErrors.invalidInput({ en: `query.cursor: ${en}`, zh: `query.cursor：${zh}` })

/** The place a cursor names, for the list's sort; a 400 (invalid-input) when it is not one or is of another sort. */
export const cursorAt = (
  cursor: string,
  sort: { readonly by: VmSortKey; readonly order: "asc" | "desc" },
): VmCursor => {
  const decoded = decodeCursor(Buffer.from(cursor, "base64url").toString("utf8"))
  if (Option.isNone(decoded)) throw invalid("not a cursor this API gave", "不是本接口返回的游标")
  const { by, order, key, id } = decoded.value
  if (by !== sort.by || order !== sort.order) {
    throw invalid(
      `the cursor belongs to sort=${by}&order=${order}; ask again from the first page for another sort`,
      `该游标属于 sort=${by}&order=${order}；换排序请从第一页重新查询`,
    )
  }
  return { key, id }
}

import { Effect, Schema } from "effect"
import { Store, scopeFilter, type VmQuery, VmState } from "../../core/index.ts"
import type { Actor } from "../../core/rules/context.ts"
import { vmSortKeys } from "../../core/store/vm-query.ts"
import { ApiId, QueryInt, QueryList, Text } from "../validation/schemas.ts"
import { columnFields, pickColumns, type VmColumnName, vmColumnNames } from "./columns.ts"
import { CursorParam, cursorAt, encodeCursor } from "./list-cursor.ts"

const TagFilter = Text(300).check(Schema.isPattern(/^[^:]+:/, { message: "Expected tag filters as key:value" }))

/** The filters the list, the export and the recycle bin share (L1, L2, L4). */
const filterFields = {
  /** L2: part of the name, hostname or owner's name, or an IP. */
  search: Schema.optionalKey(Text(200)),
  /** L4: part of the display name. */
  name: Schema.optionalKey(Text(100)),
  state: Schema.optionalKey(QueryList(VmState, `Comma-separated states: ${VmState.literals.join(", ")}`)),
  flavorId: Schema.optionalKey(QueryList(ApiId, "Comma-separated ids; any of them matches")),
  ownerId: Schema.optionalKey(QueryList(ApiId, "Comma-separated ids; any of them matches")),
  hostId: Schema.optionalKey(QueryList(ApiId, "Comma-separated ids; any of them matches")),
  imageId: Schema.optionalKey(QueryList(ApiId, "Comma-separated ids; any of them matches")),
  /** Every `key:value` given must match. */
  tag: Schema.optionalKey(QueryList(TagFilter, "key:value, repeated or comma-separated; every one must match")),
  /** L1: "mine" narrows an admin to the VMs they own; "managed" (default) is everything in their scope. */
  view: Schema.optionalKey(Schema.Literals(["managed", "mine"])),
  sort: Schema.optionalKey(Schema.Literals(vmSortKeys)),
  order: Schema.optionalKey(Schema.Literals(["asc", "desc"])),
  /** L3: the columns each row carries (id always). */
  columns: Schema.optionalKey(
    QueryList(Schema.Literals(vmColumnNames), `Comma-separated columns: ${vmColumnNames.join(", ")}`),
  ),
  /** Overrides Accept-Language. */
  lang: Schema.optionalKey(Text(35)),
}

export const VmListQuery = Schema.Struct({
  ...filterFields,
  /** Keyset paging (#23): a page's `next`; the page then starts after that row, and offset counts from there. */
  cursor: Schema.optionalKey(CursorParam),
  offset: Schema.optionalKey(QueryInt(0, 10_000_000)),
  limit: Schema.optionalKey(QueryInt(1, 500)),
})
export type VmListQuery = typeof VmListQuery.Type

/** The export takes every matching row: no paging. */
export const VmExportQuery = Schema.Struct(filterFields)
export type VmExportQuery = typeof VmExportQuery.Type

export const defaultLimit = 50

const tagsOf = (filters: ReadonlyArray<string>): Record<string, string> => {
  const tags: Record<string, string> = {}
  for (const filter of filters) {
    const at = filter.indexOf(":")
    tags[filter.slice(0, at)] = filter.slice(at + 1)
  }
  return tags
}

/** The API's query as the store's question, within the actor's scope (G1, L1). */
export const toVmQuery = (
  actor: Actor,
  query: VmExportQuery & { readonly offset?: number; readonly limit?: number },
  recycled: boolean,
): VmQuery => ({
  scope: scopeFilter(actor, query.view === "mine"),
  recycled,
  ...(query.search === undefined ? {} : { search: query.search }),
  ...(query.name === undefined ? {} : { name: query.name }),
  ...(query.state === undefined ? {} : { states: query.state }),
  ...(query.flavorId === undefined ? {} : { flavorIds: query.flavorId }),
  ...(query.ownerId === undefined ? {} : { ownerIds: query.ownerId }),
  ...(query.hostId === undefined ? {} : { hostIds: query.hostId }),
  ...(query.imageId === undefined ? {} : { imageIds: query.imageId }),
  ...(query.tag === undefined ? {} : { tags: tagsOf(query.tag) }),
  ...(query.sort === undefined ? {} : { sort: { by: query.sort, direction: query.order ?? "asc" } }),
  ...(query.offset === undefined ? {} : { offset: query.offset }),
  ...(query.limit === undefined ? {} : { limit: query.limit }),
})

export const columnsOf = (
  query: { readonly columns?: ReadonlyArray<VmColumnName> },
  fallback: ReadonlyArray<VmColumnName>,
): ReadonlyArray<VmColumnName> => (query.columns === undefined || query.columns.length === 0 ? fallback : query.columns)

/** The sort a cursor belongs to: the list's default is the oldest first. */
const sortOf = (query: VmExportQuery) => ({ by: query.sort ?? "createdAt", order: query.order ?? "asc" }) as const

/**
 * One page of the list (L1–L5) or of the recycle bin (G3), with only the chosen columns, and the cursor of the page
 * after it (null on the last page). A cursor that is not one, or is of another sort, is a 400 before any query. The
 * store reads only the chosen columns' fields (as the export does): whole VMs (every column of vms, their affinity
 * groups) cost the default page of 50 about 0.2 MB of its 1.37 MB of allocations (#23, bench/api-list/profile.ts).
 */
export const vmPage = (actor: Actor, query: VmListQuery, recycled: boolean) => {
  const limit = query.limit ?? defaultLimit
  const offset = query.offset ?? 0
  const sort = sortOf(query)
  const after = query.cursor === undefined ? undefined : cursorAt(query.cursor, sort)
  const vmQuery = toVmQuery(actor, { ...query, limit, offset }, recycled)
  const columns = columnsOf(query, vmColumnNames)
  return Store.use((s) =>
    s.vms.sheet(after === undefined ? vmQuery : { ...vmQuery, after }, columnFields(columns)),
  ).pipe(
    Effect.map((page) => ({
      items: page.rows.map(pickColumns(columns)),
      total: page.total,
      totals: page.totals,
      offset,
      limit,
      next: page.next === undefined ? null : encodeCursor(sort, page.next),
    })),
  )
}

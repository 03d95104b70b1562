import type { Query } from "../api/client.ts"
import { type ColumnName, parseColumns } from "./columns.ts"

/** What the user chose in the header: global search (L2), view (L1), header filters (L4), sort. */
export interface ListFilters {
  readonly search: string
  readonly view: "managed" | "mine"
  readonly name: string
  readonly state: string
  readonly flavorId: string
  readonly hostId: string
  readonly tag: string
}

export const noFilters: ListFilters = {
  search: "",
  view: "managed",
  name: "",
  state: "",
  flavorId: "",
  hostId: "",
  tag: "",
}

export interface ListSort {
  readonly by: ColumnName | ""
  readonly order: "asc" | "desc"
}

/** The filters and sort as API query parameters, shared by the list and the export (L6 exports what is shown). */
export const filterQuery = (filters: ListFilters, sort: ListSort): Query => ({
  search: filters.search.trim(),
  view: filters.view === "mine" ? "mine" : undefined,
  name: filters.name.trim(),
  state: filters.state,
  flavorId: filters.flavorId,
  hostId: filters.hostId,
  tag: /^[^:]+:/.test(filters.tag.trim()) ? filters.tag.trim() : undefined,
  sort: sort.by === "" ? undefined : sort.by,
  order: sort.by === "" ? undefined : sort.order,
})

/** The columns a page asks for: the visible ones, plus name and state, which selection and live updates need. */
export const requestedColumns = (visible: ReadonlyArray<ColumnName>): ReadonlyArray<string> => [
  ...new Set<string>(["displayName", "state", ...visible]),
]

const storageKeyOf = (key: string) => `hx-vm-list/columns/${key === "" ? "default" : key}`

/** L3: the column choice is remembered per browser (and per storage-key, for portals with several lists). */
export const rememberedColumns = (key: string): ReadonlyArray<ColumnName> | undefined => {
  try {
    return parseColumns(globalThis.localStorage?.getItem(storageKeyOf(key)))
  } catch {
    return undefined
  }
}

export const rememberColumns = (key: string, columns: ReadonlyArray<ColumnName> | undefined): void => {
  try {
    if (columns === undefined) globalThis.localStorage?.removeItem(storageKeyOf(key))
    else globalThis.localStorage?.setItem(storageKeyOf(key), columns.join(","))
  } catch {
    // Storage refused (private mode, quota): the choice lasts for this page only.
  }
}

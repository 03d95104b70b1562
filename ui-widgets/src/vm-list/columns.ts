import { vmSortKeys } from "../../../core/store/vm-sort-keys.ts"
import type { VmRow } from "../api/types.ts"
import { formatDateTime, formatMemory, type Locale, type Messages } from "../i18n/index.ts"

/** The list's columns (L3): the API's `columns` names, minus bare ids nobody reads. */
export const columnNames = [
  "displayName",
  "state",
  "hostname",
  "ips",
  "ownerName",
  "flavorName",
  "hostName",
  "zone",
  "pod",
  "cpus",
  "sockets",
  "coresPerSocket",
  "memoryMiB",
  "diskGiB",
  "tags",
  "remarks",
  "haEnabled",
  "deletionProtected",
  "loginMethod",
  "reclaimAt",
  "createdAt",
] as const
export type ColumnName = (typeof columnNames)[number]

export const isColumnName = (name: string): name is ColumnName => (columnNames as ReadonlyArray<string>).includes(name)

/** Shown until the user chooses; the name is always shown (it opens the VM). */
export const defaultColumns: ReadonlyArray<ColumnName> = [
  "displayName",
  "state",
  "ips",
  "ownerName",
  "flavorName",
  "cpus",
  "memoryMiB",
  "diskGiB",
  "createdAt",
]

/** The columns the API sorts by (its `sort` parameter). */
export const sortableColumns: ReadonlySet<ColumnName> = new Set<ColumnName>(vmSortKeys)

export const numericColumns: ReadonlySet<ColumnName> = new Set([
  "cpus",
  "sockets",
  "coresPerSocket",
  "memoryMiB",
  "diskGiB",
])

/** A comma-separated column list (the columns attribute, remembered choices), keeping known names in table order. */
export const parseColumns = (text: string | null | undefined): ReadonlyArray<ColumnName> | undefined => {
  if (text === null || text === undefined || text.trim() === "") return undefined
  const chosen = new Set(text.split(",").map((name) => name.trim()))
  const columns = columnNames.filter((name) => chosen.has(name))
  return columns.length === 0 ? undefined : ["displayName", ...columns.filter((name) => name !== "displayName")]
}

/** A cell's text; state has its own badge and displayName its own button, so they are not formatted here. */
export const cellText = (row: VmRow, column: ColumnName, t: Messages, locale: Locale): string => {
  const value = row[column]
  if (value === null || value === undefined || value === "") return t.common.none
  switch (column) {
    case "memoryMiB":
      return formatMemory(Number(value))
    case "diskGiB":
      return `${value} GiB`
    case "ips":
      return Array.isArray(value) && value.length > 0 ? value.join(", ") : t.common.none
    case "tags":
      return Object.entries(value as Record<string, string>)
        .map(([key, tag]) => `${key}=${tag}`)
        .join(", ")
    case "haEnabled":
    case "deletionProtected":
      return value === true ? t.common.yes : t.common.no
    case "reclaimAt":
    case "createdAt":
      return formatDateTime(String(value), locale)
    default:
      return String(value)
  }
}

import { Schema } from "effect"
import {
  type Lang,
  stateNamesZh,
  type VmListField,
  type VmListValues,
  type VmSheetRow,
  VmState,
} from "../../core/index.ts"
import { copierOf } from "../../core/store/row-shape.ts"
import type { Bilingual } from "../errors/api-error.ts"
import type { CellValue } from "./sheet-xml.ts"

/**
 * One column of the list view (L3) and the export (L6): its header, the field of the row it shows (the export reads
 * only its columns' fields, #23), its sheet cell.
 */
export interface VmColumn {
  readonly header: Bilingual
  /** What the OpenAPI document says the JSON value is. */
  readonly schema: Schema.Codec<unknown, unknown>
  readonly field: VmListField
  /** The sheet cell of the field's value; defaults to the JSON value. */
  readonly cell?: (value: unknown, lang: Lang) => CellValue
  /** L5: the column whose sum the totals row shows. */
  readonly total?: "cpus" | "memoryMiB" | "diskGiB"
}

interface ColumnOf<F extends VmListField> extends Omit<VmColumn, "field" | "cell"> {
  readonly cell?: (value: VmListValues[F], lang: Lang) => CellValue
}

/** A column of `field`, its cell written for the field's value (which is what the column hands it). */
const column = <F extends VmListField>(field: F, { cell, ...rest }: ColumnOf<F>): VmColumn =>
  cell === undefined
    ? { field, ...rest }
    : { field, ...rest, cell: (value, lang) => cell(value as VmListValues[F], lang) }

const yesNo = (value: boolean, lang: Lang) => (lang === "zh" ? (value ? "是" : "否") : value ? "Yes" : "No")
const NullableString = Schema.NullOr(Schema.String)
const NullableDate = Schema.NullOr(Schema.String.annotate({ format: "date-time" }))

const columnTable = {
  id: column("id", { header: { en: "ID", zh: "ID" }, schema: Schema.String }),
  displayName: column("displayName", { header: { en: "Name", zh: "名称" }, schema: Schema.String }),
  hostname: column("hostname", { header: { en: "Hostname", zh: "主机名" }, schema: Schema.String }),
  state: column("state", {
    header: { en: "Status", zh: "状态" },
    schema: VmState,
    cell: (state, lang) => (lang === "zh" ? stateNamesZh[state] : state),
  }),
  ownerId: column("ownerId", { header: { en: "Owner ID", zh: "所有者ID" }, schema: Schema.String }),
  ownerName: column("ownerName", { header: { en: "Owner", zh: "所有者" }, schema: Schema.String }),
  companyId: column("companyId", { header: { en: "Company ID", zh: "公司ID" }, schema: Schema.String }),
  departmentId: column("departmentId", { header: { en: "Department ID", zh: "部门ID" }, schema: Schema.String }),
  flavorId: column("flavorId", { header: { en: "Flavor ID", zh: "规格ID" }, schema: Schema.String }),
  flavorName: column("flavorName", { header: { en: "Flavor", zh: "规格" }, schema: Schema.String }),
  imageId: column("imageId", { header: { en: "Image ID", zh: "镜像ID" }, schema: Schema.String }),
  hostId: column("hostId", { header: { en: "Host ID", zh: "主机ID" }, schema: NullableString }),
  hostName: column("hostName", { header: { en: "Host", zh: "主机" }, schema: NullableString }),
  zone: column("zone", { header: { en: "Zone", zh: "资源域" }, schema: Schema.String }),
  pod: column("pod", { header: { en: "POD", zh: "POD" }, schema: Schema.String }),
  ips: column("ips", {
    header: { en: "IP addresses", zh: "IP地址" },
    schema: Schema.Array(Schema.String),
    cell: (ips) => ips.join(", "),
  }),
  cpus: column("cpus", { header: { en: "CPUs", zh: "CPU(核)" }, schema: Schema.Int, total: "cpus" }),
  sockets: column("sockets", { header: { en: "Sockets", zh: "插槽数" }, schema: Schema.Int }),
  coresPerSocket: column("coresPerSocket", {
    header: { en: "Cores per socket", zh: "每插槽核数" },
    schema: Schema.Int,
  }),
  memoryMiB: column("memoryMiB", {
    header: { en: "Memory (MiB)", zh: "内存(MiB)" },
    schema: Schema.Int,
    total: "memoryMiB",
  }),
  diskGiB: column("diskGiB", { header: { en: "Disk (GiB)", zh: "磁盘(GiB)" }, schema: Schema.Int, total: "diskGiB" }),
  tags: column("tags", {
    header: { en: "Tags", zh: "标签" },
    schema: Schema.Record(Schema.String, Schema.String),
    cell: (tags) =>
      Object.entries(tags)
        .map(([k, v]) => `${k}=${v}`)
        .join("; "),
  }),
  remarks: column("remarks", { header: { en: "Remarks", zh: "备注" }, schema: Schema.String }),
  haEnabled: column("haEnabled", {
    header: { en: "HA", zh: "高可用" },
    schema: Schema.Boolean,
    cell: (value, lang) => yesNo(value, lang),
  }),
  deletionProtected: column("deletionProtected", {
    header: { en: "Deletion protection", zh: "删除保护" },
    schema: Schema.Boolean,
    cell: (value, lang) => yesNo(value, lang),
  }),
  loginMethod: column("loginMethod", { header: { en: "Login", zh: "登录方式" }, schema: Schema.String }),
  reclaimAt: column("reclaimAt", { header: { en: "Reclaim date", zh: "回收时间" }, schema: NullableDate }),
  createdAt: column("createdAt", {
    header: { en: "Created", zh: "创建时间" },
    schema: Schema.String.annotate({ format: "date-time" }),
  }),
  recycledAt: column("recycledAt", { header: { en: "Deleted", zh: "删除时间" }, schema: NullableDate }),
} satisfies Record<string, VmColumn>

export type VmColumnName = keyof typeof columnTable
export const vmColumns: Readonly<Record<VmColumnName, VmColumn>> = columnTable
export const vmColumnNames = Object.keys(columnTable) as ReadonlyArray<VmColumnName>

/** What the export shows when no columns are chosen. */
export const defaultExportColumns: ReadonlyArray<VmColumnName> = [
  "displayName",
  "hostname",
  "state",
  "ownerName",
  "flavorName",
  "hostName",
  "ips",
  "cpus",
  "memoryMiB",
  "diskGiB",
  "createdAt",
]

/** What the store reads for these columns: their fields, nothing else (#23). */
export const columnFields = (columns: ReadonlyArray<VmColumnName>): ReadonlyArray<VmListField> =>
  columns.map((name) => vmColumns[name].field)

/**
 * L3: list rows with the chosen columns, from rows of the store with their fields (columnFields), each copied by one
 * object literal (core/store/row-shape.ts); `id` always comes along so rows can be addressed. A VM whose owner or
 * flavor row is gone shows an empty name (the JSON's names are strings).
 */
export const pickColumns = (columns: ReadonlyArray<VmColumnName>): ((row: VmSheetRow) => Record<string, unknown>) => {
  const copy = copierOf(["id", ...columns.map((name) => vmColumns[name].field)], ["id", ...columns])
  const names = columns.filter((name) => name === "ownerName" || name === "flavorName")
  return (row) => {
    const picked = copy(row)
    for (const name of names) picked[name] ??= ""
    return picked
  }
}

/** A list row as the OpenAPI document describes it: id, and whichever columns were chosen. */
export const VmRow = Schema.Struct(
  Object.fromEntries(
    vmColumnNames.map((name) => [name, name === "id" ? Schema.String : Schema.optionalKey(vmColumns[name].schema)]),
  ),
).annotate({ identifier: "VmRow" })

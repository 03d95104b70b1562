import { Schema } from "effect"
import { type Lang, stateNamesZh, type VmListRow, VmState } from "../../core/index.ts"
import type { Bilingual } from "../errors/api-error.ts"

/** A cell of the XLSX export. */
export type CellValue = string | number | boolean | Date | null

/** One column of the list view (L3) and the export (L6): its header, its JSON value, its sheet cell. */
export interface VmColumn {
  readonly header: Bilingual
  /** What the OpenAPI document says the JSON value is. */
  readonly schema: Schema.Codec<unknown, unknown>
  readonly value: (row: VmListRow) => unknown
  /** Defaults to the JSON value. */
  readonly cell?: (row: VmListRow, lang: Lang) => CellValue
  /** L5: the column whose sum the totals row shows. */
  readonly total?: "cpus" | "memoryMiB" | "diskGiB"
}

const yesNo = (value: boolean, lang: Lang) => (lang === "zh" ? (value ? "是" : "否") : value ? "Yes" : "No")
const NullableString = Schema.NullOr(Schema.String)
const NullableDate = Schema.NullOr(Schema.String.annotate({ format: "date-time" }))

const columnTable = {
  id: { header: { en: "ID", zh: "ID" }, schema: Schema.String, value: (r) => r.vm.id },
  displayName: { header: { en: "Name", zh: "名称" }, schema: Schema.String, value: (r) => r.vm.displayName },
  hostname: { header: { en: "Hostname", zh: "主机名" }, schema: Schema.String, value: (r) => r.vm.hostname },
  state: {
    header: { en: "Status", zh: "状态" },
    schema: VmState,
    value: (r) => r.vm.state,
    cell: (r, lang) => (lang === "zh" ? stateNamesZh[r.vm.state] : r.vm.state),
  },
  ownerId: { header: { en: "Owner ID", zh: "所有者ID" }, schema: Schema.String, value: (r) => r.vm.ownerId },
  ownerName: { header: { en: "Owner", zh: "所有者" }, schema: Schema.String, value: (r) => r.ownerName },
  companyId: { header: { en: "Company ID", zh: "公司ID" }, schema: Schema.String, value: (r) => r.vm.companyId },
  departmentId: {
    header: { en: "Department ID", zh: "部门ID" },
    schema: Schema.String,
    value: (r) => r.vm.departmentId,
  },
  flavorId: { header: { en: "Flavor ID", zh: "规格ID" }, schema: Schema.String, value: (r) => r.vm.flavorId },
  flavorName: { header: { en: "Flavor", zh: "规格" }, schema: Schema.String, value: (r) => r.flavorName },
  imageId: { header: { en: "Image ID", zh: "镜像ID" }, schema: Schema.String, value: (r) => r.vm.imageId },
  hostId: { header: { en: "Host ID", zh: "主机ID" }, schema: NullableString, value: (r) => r.vm.hostId },
  hostName: { header: { en: "Host", zh: "主机" }, schema: NullableString, value: (r) => r.hostName },
  zone: { header: { en: "Zone", zh: "资源域" }, schema: Schema.String, value: (r) => r.vm.zone },
  pod: { header: { en: "POD", zh: "POD" }, schema: Schema.String, value: (r) => r.vm.pod },
  ips: {
    header: { en: "IP addresses", zh: "IP地址" },
    schema: Schema.Array(Schema.String),
    value: (r) => r.ips,
    cell: (r) => r.ips.join(", "),
  },
  cpus: { header: { en: "CPUs", zh: "CPU(核)" }, schema: Schema.Int, value: (r) => r.vm.cpus, total: "cpus" },
  sockets: { header: { en: "Sockets", zh: "插槽数" }, schema: Schema.Int, value: (r) => r.vm.sockets },
  coresPerSocket: {
    header: { en: "Cores per socket", zh: "每插槽核数" },
    schema: Schema.Int,
    value: (r) => r.vm.coresPerSocket,
  },
  memoryMiB: {
    header: { en: "Memory (MiB)", zh: "内存(MiB)" },
    schema: Schema.Int,
    value: (r) => r.vm.memoryMiB,
    total: "memoryMiB",
  },
  diskGiB: {
    header: { en: "Disk (GiB)", zh: "磁盘(GiB)" },
    schema: Schema.Int,
    value: (r) => r.diskGiB,
    total: "diskGiB",
  },
  tags: {
    header: { en: "Tags", zh: "标签" },
    schema: Schema.Record(Schema.String, Schema.String),
    value: (r) => r.vm.tags,
    cell: (r) =>
      Object.entries(r.vm.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join("; "),
  },
  remarks: { header: { en: "Remarks", zh: "备注" }, schema: Schema.String, value: (r) => r.vm.remarks },
  haEnabled: {
    header: { en: "HA", zh: "高可用" },
    schema: Schema.Boolean,
    value: (r) => r.vm.haEnabled,
    cell: (r, lang) => yesNo(r.vm.haEnabled, lang),
  },
  deletionProtected: {
    header: { en: "Deletion protection", zh: "删除保护" },
    schema: Schema.Boolean,
    value: (r) => r.vm.deletionProtected,
    cell: (r, lang) => yesNo(r.vm.deletionProtected, lang),
  },
  loginMethod: { header: { en: "Login", zh: "登录方式" }, schema: Schema.String, value: (r) => r.vm.loginMethod },
  reclaimAt: { header: { en: "Reclaim date", zh: "回收时间" }, schema: NullableDate, value: (r) => r.vm.reclaimAt },
  createdAt: {
    header: { en: "Created", zh: "创建时间" },
    schema: Schema.String.annotate({ format: "date-time" }),
    value: (r) => r.vm.createdAt,
  },
  recycledAt: {
    header: { en: "Deleted", zh: "删除时间" },
    schema: NullableDate,
    value: (r) => r.vm.recycledAt,
  },
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

/** L3: one list row with the chosen columns; `id` always comes along so rows can be addressed. */
export const pickColumns = (row: VmListRow, columns: ReadonlyArray<VmColumnName>): Record<string, unknown> => {
  const picked: Record<string, unknown> = { id: row.vm.id }
  for (const name of columns) picked[name] = vmColumns[name].value(row)
  return picked
}

/** A list row as the OpenAPI document describes it: id, and whichever columns were chosen. */
export const VmRow = Schema.Struct(
  Object.fromEntries(
    vmColumnNames.map((name) => [name, name === "id" ? Schema.String : Schema.optionalKey(vmColumns[name].schema)]),
  ),
).annotate({ identifier: "VmRow" })

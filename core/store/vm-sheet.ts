import { type Expression, type Kysely, sql } from "kysely"
import type { Vm } from "../model/index.ts"
import { preparedWhileRoomMark, replannedWhileRoomMark } from "./prepared.ts"
import { copierOf } from "./row-shape.ts"
import type { DB } from "./schema.ts"
import { affinityGroupIdsOf } from "./vm.codec.ts"
import { pageFrame, pageOutline, type VmCursor, type VmQuery, walkedRows } from "./vm-query.ts"
import { cachedStatement, searchOf } from "./vm-statement.ts"

/** Everything a row of the list can show (L3): the VM's fields, its names, addresses and disk GiB. */
export interface VmListValues extends Vm {
  readonly ownerName: string
  readonly flavorName: string
  readonly hostName: string | null
  readonly ips: ReadonlyArray<string>
  readonly diskGiB: number
}
export type VmListField = keyof VmListValues

/** A row with only the fields asked for (and the id). */
export type VmSheetRow = { readonly [F in VmListField]?: VmListValues[F] } & { readonly id: string }

/** A page of such rows, with the totals of everything that matched (L5) and the next page's cursor. */
export interface VmSheetPage {
  readonly rows: ReadonlyArray<VmSheetRow>
  readonly total: number
  readonly totals: { readonly cpus: number; readonly memoryMiB: number; readonly diskGiB: number }
  readonly next: VmCursor | undefined
}

/** How each field is read for a page's row: a column of vms or of its owner, flavor or host, or a look-up. */
const expressionOf = (field: VmListField): Expression<unknown> => {
  switch (field) {
    case "ownerName":
      return sql.ref("owner.name")
    case "flavorName":
      return sql.ref("flavor.name")
    case "hostName":
      return sql.ref("host.name")
    case "ips":
      return sql`coalesce((select jsonb_agg(n.primary_ip order by n.is_default desc, n.created_at) from nics n
        where n.vm_id = vms.id), '[]'::jsonb)`
    case "affinityGroupIds":
      return affinityGroupIdsOf
    default:
      return sql.ref(`vms.${field}`)
  }
}

/** A sheet row's keys: the id, then each field asked for, once. */
const sheetKeys = (fields: ReadonlyArray<VmListField>): ReadonlyArray<VmListField> => [
  ...new Set<VmListField>(["id", ...fields]),
]

/**
 * One page of the list with only the fields asked for (L3: the list's columns; L6: the export's): a row of the 47
 * columns of vms, its affinity groups and names cost the export of 100,000 VMs most of its time and memory (#23). The
 * values are as the driver reads them (no model decode: only the fields asked for are there).
 */
export const queryVmSheet = async (
  db: Kysely<DB>,
  q: VmQuery,
  fields: ReadonlyArray<VmListField>,
): Promise<VmSheetPage> => {
  const rows = (await db.executeQuery(sheetQuery(db, q, fields))).rows as unknown as ReadonlyArray<
    Parameters<typeof pageOutline>[0][number] & VmSheetRow
  >
  const { page, ...outline } = pageOutline(rows, q)
  // Only the fields asked for (row-shape.ts): not the totals, cursor and sort keys each row carries.
  const copy = copierOf(sheetKeys(fields)) as (row: object) => VmSheetRow
  return { rows: page.map(copy), ...outline }
}

/**
 * The statement of queryVmSheet: a page as the list reads it (pageFrame, with the totals), or without totals (the
 * export's later batches) the rows straight from the sort index's walk (walkedRows).
 */
export const sheetStatement = (db: Kysely<DB>, q: VmQuery, fields: ReadonlyArray<VmListField>) => {
  const wanted = sheetKeys(fields).map((field) => sql`${expressionOf(field)}`.as(field))
  // The names by joins (hashed: a few hundred users, flavors and hosts), not a look-up per row.
  if (q.totals === false) {
    return walkedRows(db, q)
      .leftJoin("users as owner", "owner.id", "vms.ownerId")
      .leftJoin("flavors as flavor", "flavor.id", "vms.flavorId")
      .leftJoin("hosts as host", "host.id", "vms.hostId")
      .select([
        sql<string>`0`.as("total"),
        sql<string>`0`.as("totalCpus"),
        sql<string>`0`.as("totalMemoryMiB"),
        sql<string>`0`.as("totalDiskGiB"),
      ])
      .select(wanted)
  }
  return pageFrame(db, q)
    .leftJoin("users as owner", "owner.id", "vms.ownerId")
    .leftJoin("flavors as flavor", "flavor.id", "vms.flavorId")
    .leftJoin("hosts as host", "host.id", "vms.hostId")
    .select(wanted)
}

/**
 * sheetStatement compiled once per shape of question and fields (vm-statement.ts), with the question's values. A
 * search's statement (its branches per index, twice: totals and page) is prepared on each connection while there is
 * room (prepared.ts): planning it cost the server 0.9–2.3 ms a run at 10,000 VMs, more than running it, and several
 * times that on a busy host; PostgreSQL then keeps one plan for the shape when it costs no more than those made for
 * each search's values (the search's branches choose at run time between walking the sort index and sorting the
 * matches). The
 * other lists' plans depend on how many VMs a filter's values match (a common tag: walk the sort index; a rare one:
 * sort its VMs), which one plan for every value misjudged (a tag's page 1.7 → 3.5 ms): those are prepared too but
 * planned at each run for its values (replannedWhileRoomMark), which spares the server the parse and analysis of their
 * long text (#23).
 */
export const sheetQuery = cachedStatement(sheetStatement, (q) =>
  searchOf(q) === "" ? replannedWhileRoomMark : preparedWhileRoomMark,
)

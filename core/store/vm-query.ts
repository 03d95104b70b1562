import { type Expression, type Kysely, type SqlBool, sql } from "kysely"
import type { Vm, VmState } from "../model/index.ts"
import type { DB } from "./schema.ts"
import { affinityGroupIdsOf, vmCodec } from "./vm.codec.ts"
import type { VmSortKey } from "./vm-sort-keys.ts"
import { keptTotals } from "./vm-totals.ts"

export { type VmSortKey, vmSortKeys } from "./vm-sort-keys.ts"

/** The list view's question (L1–L5): scope, global search, header filters, sort and a page. */
export interface VmQuery {
  /** The caller's scope (G1) as equality filters; see core/auth scopeFilter. */
  readonly scope: { readonly companyId?: string; readonly departmentId?: string; readonly ownerId?: string }
  /** true: the recycle bin (G3); default false. */
  readonly recycled?: boolean
  /** L2: part of the display name, hostname or owner's name, or an IP (primary prefix, secondary exact). */
  readonly search?: string
  /** L4 header filters. */
  readonly name?: string
  readonly states?: ReadonlyArray<VmState>
  readonly flavorIds?: ReadonlyArray<string>
  readonly ownerIds?: ReadonlyArray<string>
  readonly hostIds?: ReadonlyArray<string>
  readonly imageIds?: ReadonlyArray<string>
  /** Every tag given must be present with that value. */
  readonly tags?: Readonly<Record<string, string>>
  readonly sort?: { readonly by: VmSortKey; readonly direction: "asc" | "desc" }
  /** Keyset paging: the rows after this one in the sort order; offset then skips rows after it. */
  readonly after?: VmCursor
  readonly offset?: number
  /** Omitted: every matching row. */
  readonly limit?: number
  /** false: leave the totals out (zero), e.g. for the export's later batches; default true. */
  readonly totals?: boolean
}

/** A place in the list's order: the sort key of a row as PostgreSQL prints it (null for no value) and its id. */
export interface VmCursor {
  readonly key: string | null
  readonly id: string
}

/** A VM as the list shows it, with the names and sums its columns need (L3). */
export interface VmListRow {
  readonly vm: Vm
  readonly ownerName: string
  readonly flavorName: string
  readonly hostName: string | null
  readonly ips: ReadonlyArray<string>
  readonly diskGiB: number
}

/** L5: totals over the whole filtered set, not just the page. */
export interface VmPage {
  readonly rows: ReadonlyArray<VmListRow>
  readonly total: number
  readonly totals: { readonly cpus: number; readonly memoryMiB: number; readonly diskGiB: number }
  /** The cursor of the page's last row when more rows follow it. */
  readonly next: VmCursor | undefined
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)
const contains = (text: string) => `%${escapeLike(text)}%`

/**
 * How each sort key is read and compared. Keys that are columns of vms are never null and have a (key, id) index
 * (migration 2026_12_06_0010), so a page is an index range read; the names are looked up per row only when the
 * list is sorted by them (a VM with no host has no host name: those come last either way).
 */
interface SortColumn {
  readonly expression: Expression<unknown>
  /** The SQL type a cursor's key is cast back to. */
  readonly type: "text" | "timestamptz" | "integer"
  readonly nullable: boolean
}

const column = (name: string, type: SortColumn["type"]): SortColumn => ({
  expression: sql.ref(`vms.${name}`),
  type,
  nullable: false,
})

const sortColumns: Record<VmSortKey, SortColumn> = {
  displayName: column("display_name", "text"),
  hostname: column("hostname", "text"),
  state: column("state", "text"),
  createdAt: column("created_at", "timestamptz"),
  cpus: column("cpus", "integer"),
  memoryMiB: column("memory_mib", "integer"),
  diskGiB: column("disk_gib", "integer"),
  ownerName: { expression: sql`(select u.name from users u where u.id = vms.owner_id)`, type: "text", nullable: false },
  flavorName: {
    expression: sql`(select f.name from flavors f where f.id = vms.flavor_id)`,
    type: "text",
    nullable: false,
  },
  hostName: { expression: sql`(select h.name from hosts h where h.id = vms.host_id)`, type: "text", nullable: true },
}

const nonEmpty = <T>(values: ReadonlyArray<T> | undefined): values is ReadonlyArray<T> =>
  values !== undefined && values.length > 0

/** Only text that could be part of an address (IPv4 or IPv6) is looked for among the NICs. */
const mayBeAddress = (search: string) => /^[0-9a-f.:]+$/i.test(search)

/**
 * The VMs that match, from the vms table alone. The owner's name and the IPs are searched through uncorrelated
 * `in (…)` subqueries, which PostgreSQL runs once (hashed, from the trigram, prefix and containment indexes of
 * migration 2026_12_06_0010) instead of once per VM.
 */
export const filteredVms = (db: Kysely<DB>, q: VmQuery) => {
  let query = db.selectFrom("vms").where("vms.recycledAt", q.recycled === true ? "is not" : "is", null)
  if (q.scope.companyId !== undefined) query = query.where("vms.companyId", "=", q.scope.companyId)
  if (q.scope.departmentId !== undefined) query = query.where("vms.departmentId", "=", q.scope.departmentId)
  if (q.scope.ownerId !== undefined) query = query.where("vms.ownerId", "=", q.scope.ownerId)
  if (q.name !== undefined && q.name !== "") query = query.where("vms.displayName", "ilike", contains(q.name))
  if (nonEmpty(q.states)) query = query.where("vms.state", "in", q.states)
  if (nonEmpty(q.flavorIds)) query = query.where("vms.flavorId", "in", q.flavorIds)
  if (nonEmpty(q.ownerIds)) query = query.where("vms.ownerId", "in", q.ownerIds)
  if (nonEmpty(q.hostIds)) query = query.where("vms.hostId", "in", q.hostIds)
  if (nonEmpty(q.imageIds)) query = query.where("vms.imageId", "in", q.imageIds)
  if (q.tags !== undefined && Object.keys(q.tags).length > 0) {
    query = query.where(sql<SqlBool>`vms.tags @> ${JSON.stringify(q.tags)}::jsonb`)
  }
  const search = q.search?.trim()
  if (search) {
    const like = contains(search)
    // A secondary IP matches whole: `@>` on the array is what its jsonb_path_ops index serves.
    const byIp = mayBeAddress(search)
      ? sql`or vms.id in (select n.vm_id from nics n
          where n.primary_ip like ${`${escapeLike(search)}%`} or n.secondary_ips @> ${JSON.stringify([search])}::jsonb)`
      : sql``
    // search_text is lower(display_name) chr(1) lower(hostname), kept by PostgreSQL (migration 0006): one
    // case-sensitive LIKE, which its trigram index serves, instead of lowering two columns of every VM.
    query = query.where(
      sql<SqlBool>`(vms.search_text like lower(${like})
        or vms.owner_id in (select u.id from users u where u.name ilike ${like}) ${byIp})`,
    )
  }
  return query
}

export const sortExpression = (sort: VmQuery["sort"]) => sortColumns[sort?.by ?? "createdAt"].expression

/**
 * Ties are broken by id, byte by byte: paging needs a fixed total order, not a linguistic one, and a byte comparison
 * spares a locale-aware one (C.UTF-8 is not "C" to PostgreSQL 15). The id runs in the key's direction, so that one
 * (key, id) index serves both directions and a cursor is one row comparison.
 */
const idOf = sql`vms.id collate "C"`

/** The rows after `cursor` in the order `key dir nulls last, id dir`. */
const afterCursor = (sort: SortColumn, desc: boolean, cursor: VmCursor) => {
  const beyond = desc ? sql`<` : sql`>`
  const key = sql`cast(${cursor.key} as ${sql.raw(sort.type)})`
  const expression = sort.expression
  if (!sort.nullable) return sql<SqlBool>`(${expression}, ${idOf}) ${beyond} (${key}, ${cursor.id})`
  if (cursor.key === null) return sql<SqlBool>`(${expression} is null and ${idOf} ${beyond} ${cursor.id})`
  return sql<SqlBool>`(${expression} ${beyond} ${key} or (${expression} = ${key} and ${idOf} ${beyond} ${cursor.id})
    or ${expression} is null)`
}

/** Count and sums of every VM that matches (L5), from narrow rows: a covering index serves the header filters. */
const totalsOf = (db: Kysely<DB>, q: VmQuery) =>
  filteredVms(db, q).select((eb) => [
    eb.fn.countAll<string>().as("total"),
    eb.fn.coalesce(eb.fn.sum<string>("vms.cpus"), sql<string>`0`).as("totalCpus"),
    eb.fn.coalesce(eb.fn.sum<string>("vms.memoryMiB"), sql<string>`0`).as("totalMemoryMiB"),
    eb.fn.coalesce(eb.fn.sum<string>("vms.diskGiB"), sql<string>`0`).as("totalDiskGiB"),
  ])

const noTotals = (db: Kysely<DB>) =>
  db.selectNoFrom([
    sql<string>`0`.as("total"),
    sql<string>`0`.as("totalCpus"),
    sql<string>`0`.as("totalMemoryMiB"),
    sql<string>`0`.as("totalDiskGiB"),
  ])

const ipsOf = sql<ReadonlyArray<string>>`coalesce((
  select jsonb_agg(n.primary_ip order by n.is_default desc, n.created_at) from nics n where n.vm_id = vms.id
), '[]'::jsonb)`

/**
 * One page of the list and the totals of everything that matched, in one statement of two independent parts.
 *
 * The page reads only ids and sort keys, in the list's order, after the cursor if there is one, and stops one row
 * past the page (to know whether more follow): on a column with a (key, id) index that is a short index range read
 * whatever the table's size. Only the page's rows are then joined to their names, IPs and affinity groups (a
 * deferred join). The totals are read apart from the page, so neither waits for the other's rows: from the totals
 * PostgreSQL keeps (vm-totals.ts) when only scope, state, flavor and owner filter, else by counting the matching VMs.
 * They come on every row, and on a single row with no VM when the page is empty.
 */
export const vmPageStatement = (db: Kysely<DB>, q: VmQuery) => {
  const sort = sortColumns[q.sort?.by ?? "createdAt"]
  const desc = q.sort?.direction === "desc"
  const order = sql`${sort.expression} ${desc ? sql`desc` : sql`asc`}${sort.nullable ? sql` nulls last` : sql``}`
  const idOrder = desc ? sql`${idOf} desc` : idOf
  return db
    .with("page", () => {
      let page = filteredVms(db, q)
        .select(["vms.id", sql<string | null>`(${sort.expression})::text`.as("cursorKey")])
        .select(sql<number>`row_number() over (order by ${order}, ${idOrder})`.as("position"))
      if (q.after !== undefined) page = page.where(afterCursor(sort, desc, q.after))
      page = page
        .orderBy(order)
        .orderBy(idOrder)
        .offset(q.offset ?? 0)
      return q.limit === undefined ? page : page.limit(q.limit + 1)
    })
    .selectFrom((q.totals === false ? noTotals(db) : (keptTotals(db, q) ?? totalsOf(db, q))).as("t"))
    .leftJoin("page", (join) => join.onTrue())
    .leftJoin("vms", "vms.id", "page.id")
    .leftJoin("users as owner", "owner.id", "vms.ownerId")
    .leftJoin("flavors as flavor", "flavor.id", "vms.flavorId")
    .leftJoin("hosts as host", "host.id", "vms.hostId")
    .selectAll("vms")
    .select([
      "t.total",
      "t.totalCpus",
      "t.totalMemoryMiB",
      "t.totalDiskGiB",
      "page.cursorKey",
      affinityGroupIdsOf.as("affinityGroupIds"),
      "owner.name as ownerName",
      "flavor.name as flavorName",
      "host.name as hostName",
      ipsOf.as("ips"),
    ])
    .orderBy(sql`page.position`)
}

/** One page of the list (L1–L4) and the totals of the filtered set (L5): see vmPageStatement. */
export const queryVms = async (db: Kysely<DB>, q: VmQuery): Promise<VmPage> => {
  const rows = await vmPageStatement(db, q).execute()
  const first = rows[0]
  const found = rows.filter((row) => row.id !== null)
  const page = q.limit === undefined ? found : found.slice(0, q.limit)
  const last = page.at(-1)
  return {
    rows: page.map((row) => ({
      vm: vmCodec.decode(row),
      ownerName: row.ownerName ?? "",
      flavorName: row.flavorName ?? "",
      hostName: row.hostName,
      ips: row.ips,
      diskGiB: Number(row.diskGiB),
    })),
    total: Number(first?.total ?? 0),
    totals: {
      cpus: Number(first?.totalCpus ?? 0),
      memoryMiB: Number(first?.totalMemoryMiB ?? 0),
      diskGiB: Number(first?.totalDiskGiB ?? 0),
    },
    next:
      found.length > page.length && last !== undefined && last.id !== null
        ? { key: last.cursorKey, id: last.id }
        : undefined,
  }
}

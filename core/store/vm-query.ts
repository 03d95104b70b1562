import { type Expression, type Kysely, type SqlBool, sql } from "kysely"
import type { Vm, VmState } from "../model/index.ts"
import type { DB } from "./schema.ts"
import { affinityGroupIdsOf, vmCodec } from "./vm.codec.ts"

import type { VmSortKey } from "./vm-sort-keys.ts"

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
  readonly offset?: number
  /** Omitted: every matching row (the XLSX export). */
  readonly limit?: number
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
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)
const contains = (text: string) => `%${escapeLike(text)}%`

/** Kept on the VM's row by the database as its disks come and go (migration 0008). */
const diskGiBOf = sql<number>`vms.disk_gib`

// The names are looked up per row only when the list is sorted by them; the filter itself reads vms alone.
const sortColumns: Record<VmSortKey, Expression<unknown>> = {
  displayName: sql`vms.display_name`,
  hostname: sql`vms.hostname`,
  state: sql`vms.state`,
  createdAt: sql`vms.created_at`,
  cpus: sql`vms.cpus`,
  memoryMiB: sql`vms.memory_mib`,
  diskGiB: diskGiBOf,
  ownerName: sql`(select u.name from users u where u.id = vms.owner_id)`,
  flavorName: sql`(select f.name from flavors f where f.id = vms.flavor_id)`,
  hostName: sql`(select h.name from hosts h where h.id = vms.host_id)`,
}

const nonEmpty = <T>(values: ReadonlyArray<T> | undefined): values is ReadonlyArray<T> =>
  values !== undefined && values.length > 0

/**
 * The VMs that match, from the vms table alone: the owner's name and the IPs are searched through uncorrelated
 * `in (…)` subqueries, which PostgreSQL runs once (hashed) instead of once per VM, whatever its statistics say
 * (a table filled a moment ago may have none yet).
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
    // Only text that could be part of an address (IPv4 or IPv6) is looked for among the NICs.
    const byIp = /^[0-9a-f.:]+$/i.test(search)
      ? sql`or vms.id in (select n.vm_id from nics n
          where n.primary_ip like ${`${escapeLike(search)}%`} or jsonb_exists(n.secondary_ips, ${search}))`
      : sql``
    // search_text is lower(display_name) chr(1) lower(hostname), kept by PostgreSQL (migration 0006): one
    // case-sensitive LIKE instead of lowering two columns of every VM.
    query = query.where(
      sql<SqlBool>`(vms.search_text like lower(${like})
        or vms.owner_id in (select u.id from users u where u.name ilike ${like}) ${byIp})`,
    )
  }
  return query
}

export const sortExpression = (sort: VmQuery["sort"]) => sortColumns[sort?.by ?? "createdAt"]

/**
 * Ties are broken by id, byte by byte: paging needs a fixed total order, not a linguistic one, and a byte comparison
 * spares a locale-aware one (C.UTF-8 is not "C" to PostgreSQL 15) on every tie of a deep page.
 */
const idOrder = (table: "f" | "page") => sql`${sql.ref(`${table}.id`)} collate "C"`

const ipsOf = sql<ReadonlyArray<string>>`coalesce((
  select jsonb_agg(n.primary_ip order by n.is_default desc, n.created_at) from nics n where n.vm_id = vms.id
), '[]'::jsonb)`

/**
 * One page of the list and the totals of everything that matched, in one statement.
 *
 * The matching VMs are read once, as narrow rows (id, CPUs, memory, disk GiB, sort key), into `f`; the totals sum
 * `f` (the disk GiB each VM row keeps: summing the disks table here was most of the statement), the page sorts and
 * cuts `f`, and only the page's rows are then joined to their names and get their IPs and affinity groups (a
 * deferred join: doing that before the paging cost thousands of lookups for a page deep in a 10,000-VM list). The
 * totals come on every row, and on a single row with no VM when the page is empty.
 */
export const queryVms = async (db: Kysely<DB>, q: VmQuery): Promise<VmPage> => {
  const direction = q.sort?.direction === "desc" ? sql`desc` : sql`asc`
  const rows = await db
    .with("f", () =>
      filteredVms(db, q).select([
        "vms.id",
        "vms.cpus",
        "vms.memoryMiB",
        "vms.diskGiB",
        sql<unknown>`${sortExpression(q.sort)}`.as("sortKey"),
      ]),
    )
    .with("page", (qc) => {
      const page = qc
        .selectFrom("f")
        .select(["f.id", "f.sortKey"])
        .orderBy(sql`f.sort_key ${direction} nulls last`)
        .orderBy(idOrder("f"))
        .offset(q.offset ?? 0)
      return q.limit === undefined ? page : page.limit(q.limit)
    })
    .selectFrom((qc) =>
      qc
        .selectFrom("f")
        .select((eb) => [
          eb.fn.countAll<string>().as("total"),
          eb.fn.coalesce(eb.fn.sum<string>("f.cpus"), sql<string>`0`).as("totalCpus"),
          eb.fn.coalesce(eb.fn.sum<string>("f.memoryMiB"), sql<string>`0`).as("totalMemoryMiB"),
          eb.fn.coalesce(eb.fn.sum<string>("f.diskGiB"), sql<string>`0`).as("totalDiskGiB"),
        ])
        .as("t"),
    )
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
      affinityGroupIdsOf.as("affinityGroupIds"),
      "owner.name as ownerName",
      "flavor.name as flavorName",
      "host.name as hostName",
      ipsOf.as("ips"),
    ])
    .orderBy(sql`page.sort_key ${direction} nulls last`)
    .orderBy(idOrder("page"))
    .execute()
  const first = rows[0]
  return {
    rows: rows.flatMap((row) =>
      row.id === null
        ? []
        : [
            {
              vm: vmCodec.decode(row),
              ownerName: row.ownerName ?? "",
              flavorName: row.flavorName ?? "",
              hostName: row.hostName,
              ips: row.ips,
              diskGiB: Number(row.diskGiB),
            },
          ],
    ),
    total: Number(first?.total ?? 0),
    totals: {
      cpus: Number(first?.totalCpus ?? 0),
      memoryMiB: Number(first?.totalMemoryMiB ?? 0),
      diskGiB: Number(first?.totalDiskGiB ?? 0),
    },
  }
}

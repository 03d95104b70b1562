import { type Expression, type InferResult, type Kysely, type SelectQueryBuilder, type SqlBool, sql } from "kysely"
import type { Vm, VmState } from "../model/index.ts"
import type { DB } from "./schema.ts"
import { affinityGroupIdsOf, vmCodec } from "./vm.codec.ts"
import type { VmSortKey } from "./vm-sort-keys.ts"
import { cachedStatement, filterValues, mayBeAddress, parameter, scopeValue, searchOf } from "./vm-statement.ts"
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
const prefix = (search: string) => `${escapeLike(search)}%`

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
  /** A column of vms, with a (key, id) index: a page can be walked in order. */
  readonly indexed: boolean
}

const column = (name: string, type: SortColumn["type"]): SortColumn => ({
  expression: sql.ref(`vms.${name}`),
  type,
  nullable: false,
  indexed: true,
})

const sortColumns: Record<VmSortKey, SortColumn> = {
  displayName: column("display_name", "text"),
  hostname: column("hostname", "text"),
  state: column("state", "text"),
  createdAt: column("created_at", "timestamptz"),
  cpus: column("cpus", "integer"),
  memoryMiB: column("memory_mib", "integer"),
  diskGiB: column("disk_gib", "integer"),
  ownerName: {
    expression: sql`(select u.name from users u where u.id = vms.owner_id)`,
    type: "text",
    nullable: false,
    indexed: false,
  },
  flavorName: {
    expression: sql`(select f.name from flavors f where f.id = vms.flavor_id)`,
    type: "text",
    nullable: false,
    indexed: false,
  },
  hostName: {
    expression: sql`(select h.name from hosts h where h.id = vms.host_id)`,
    type: "text",
    nullable: true,
    indexed: false,
  },
}

const nonEmpty = <T>(values: ReadonlyArray<T> | undefined): values is ReadonlyArray<T> =>
  values !== undefined && values.length > 0

/** The search as a LIKE pattern for a part of a text, and for a prefix. */
const searchedPart = parameter((q) => contains(searchOf(q)))
const searchedPrefix = parameter((q) => prefix(searchOf(q)))
/** L4's name filter as a LIKE pattern. */
const searchedName = parameter((q) => contains(q.name ?? ""))

/** L2 by name: a part of the display name or hostname, by search_text's trigram index (migration 0006/0010). */
const byText = sql<SqlBool>`vms.search_text like lower(${searchedPart})`

/**
 * L2 by owner: the owners whose name matches (found by the users' trigram index), then their VMs by the owner index,
 * which carries what the list counts, sums and sorts (migration 0190): an index-only scan. Written as `in (select …)`,
 * the owner branch could not be a bitmap: an OR with it would then filter every VM of the table.
 */
const byOwnerName = sql<SqlBool>`vms.owner_id = any(array(select u.id from users u where u.name ilike ${searchedPart}))`

/**
 * L2 by name or owner, as one condition: PostgreSQL ORs the two index conditions as bitmaps and reads only the
 * matching rows (#23).
 */
const byNameOrOwner = sql<SqlBool>`(${byText} or ${byOwnerName})`

/**
 * The addresses that start with the search, as a range of text_pattern_ops (byte order) besides the LIKE: an index
 * serves a LIKE's prefix only when the pattern is a constant, a range also when it is a parameter, so that a prepared
 * statement's one plan for every search reads the index too (#23). An address has only ASCII characters below DEL.
 */
const searchedFrom = parameter((q) => searchOf(q))
const searchedTo = parameter((q) => `${searchOf(q)}\u007f`)
const startsWithSearch = (column: Expression<unknown>) =>
  sql<SqlBool>`(${column} ~>=~ ${searchedFrom} and ${column} ~<~ ${searchedTo} and ${column} like ${searchedPrefix})`

/**
 * L2 by IP prefix: the default NIC's address kept on vms (default_ip, migration 0190, a covering index: an
 * index-only scan however many VMs match), and the few other NICs by their own partial index.
 */
const byDefaultIp = startsWithSearch(sql.ref("vms.default_ip"))
/** The VMs with a NIC other than the default whose primary IP starts with the search, or a secondary IP that is it. */
const byOtherNic = sql<SqlBool>`vms.id = any(array(select n.vm_id from nics n
    where (not n.is_default and ${startsWithSearch(sql.ref("n.primary_ip"))})
      or n.secondary_ips @> ${parameter((q) => JSON.stringify([searchOf(q)]))}::jsonb))`

/**
 * L2 search, as one condition: by name or owner, or (for text that may be part of an address) by IP. Fine for a
 * page read in order; for counting every match, countedPage splits it.
 */
const searchMatches = (search: string) =>
  mayBeAddress(search) ? sql<SqlBool>`(${byNameOrOwner} or ${byDefaultIp} or ${byOtherNic})` : byNameOrOwner

/**
 * The VMs that match, from the vms table alone (the search: see searchMatches).
 */
export const filteredVms = (db: Kysely<DB>, q: VmQuery, from: "vms" | "vmSearch" | "vmTags" = "vms") => {
  // vm_search and vm_tags carry vms's columns under their names, all but the name and tags (migration 0300): their
  // callers (searchedTotals, taggedTotals) filter on neither there.
  const table =
    from === "vms"
      ? db.selectFrom("vms")
      : (db.selectFrom(`${from} as vms`) as unknown as SelectQueryBuilder<DB, "vms", object>)
  let query = table.where("vms.recycledAt", q.recycled === true ? "is not" : "is", null)
  // The values as parameters read from the question when the statement runs (vm-statement.ts): only their presence
  // and count make the text.
  if (q.scope.companyId !== undefined) query = query.where("vms.companyId", "=", scopeValue("companyId"))
  if (q.scope.departmentId !== undefined) query = query.where("vms.departmentId", "=", scopeValue("departmentId"))
  if (q.scope.ownerId !== undefined) query = query.where("vms.ownerId", "=", scopeValue("ownerId"))
  if (q.name !== undefined && q.name !== "") query = query.where("vms.displayName", "ilike", searchedName)
  if (nonEmpty(q.states)) query = query.where("vms.state", "in", filterValues(q, "states"))
  if (nonEmpty(q.flavorIds)) query = query.where("vms.flavorId", "in", filterValues(q, "flavorIds"))
  if (nonEmpty(q.ownerIds)) query = query.where("vms.ownerId", "in", filterValues(q, "ownerIds"))
  if (nonEmpty(q.hostIds)) query = query.where("vms.hostId", "in", filterValues(q, "hostIds"))
  if (nonEmpty(q.imageIds)) query = query.where("vms.imageId", "in", filterValues(q, "imageIds"))
  if (q.tags !== undefined && Object.keys(q.tags).length > 0) {
    query = query.where(sql<SqlBool>`vms.tags @> ${parameter((q) => JSON.stringify(q.tags))}::jsonb`)
  }
  const search = searchOf(q)
  if (search) query = query.where(searchMatches(search))
  return query
}

export const sortExpression = (sort: VmQuery["sort"]) => sortColumns[sort?.by ?? "createdAt"].expression

/**
 * Ties are broken by id, byte by byte: paging needs a fixed total order, not a linguistic one, and a byte comparison
 * spares a locale-aware one (C.UTF-8 is not "C" to PostgreSQL 15). The id runs in the key's direction, so that one
 * (key, id) index serves both directions and a cursor is one row comparison.
 */
const idOf = (table: "vms" | "matched" | "page" | "walk") => sql`${sql.ref(`${table}.id`)} collate "C"`

/** What a page is ordered by: the sort key and id of vms itself, or of the matched rows (countedPage). */
interface PageKeys {
  readonly sort: SortColumn
  readonly key: Expression<unknown>
  readonly id: Expression<unknown>
  readonly desc: boolean
}

/** The rows after `cursor` in the order `key dir nulls last, id dir`. */
const afterCursor = ({ sort, key: expression, id, desc }: PageKeys, cursor: VmCursor) => {
  const beyond = desc ? sql`<` : sql`>`
  const key = sql`cast(${parameter((q) => q.after?.key)} as ${sql.raw(sort.type)})`
  const after = parameter((q) => q.after?.id)
  if (!sort.nullable) return sql<SqlBool>`(${expression}, ${id}) ${beyond} (${key}, ${after})`
  if (cursor.key === null) return sql<SqlBool>`(${expression} is null and ${id} ${beyond} ${after})`
  return sql<SqlBool>`(${expression} ${beyond} ${key} or (${expression} = ${key} and ${id} ${beyond} ${after})
    or ${expression} is null)`
}

/** The order of a page, key then id, both in the list's direction. */
const orderOf = ({ sort, key, id, desc }: PageKeys) =>
  [
    sql`${key} ${desc ? sql`desc` : sql`asc`}${sort.nullable ? sql` nulls last` : sql``}`,
    desc ? sql`${id} desc` : id,
  ] as const

/**
 * A page's columns besides the id: the sort key, as is (to order the page's rows again at the end) and as text (the
 * cursor). No row number: a window over the rows before the limit would sort every match, where a limit alone lets
 * PostgreSQL keep the first rows only (a top-N sort) or stop an index read early.
 */
const pageColumns = (keys: PageKeys) =>
  [sql<unknown>`${keys.key}`.as("sortKey"), sql<string | null>`(${keys.key})::text`.as("cursorKey")] as const

/**
 * L5 totals of a list filtered by tags, from vm_tags (migration 2026_12_06_0300): the first tag's entries in its
 * covering index with the header filters on them, each other tag by the VM's own tag rows (every tag must match).
 * Undefined when `q` searches, filters by name or lists the recycle bin (the index covers the other VMs only): those
 * count the matching VMs themselves.
 */
const taggedTotals = (db: Kysely<DB>, q: VmQuery) => {
  const [first, ...others] = Object.entries(q.tags ?? {})
  if (first === undefined || q.recycled === true || searchOf(q) || q.name) return undefined
  const tag = (at: number, part: 0 | 1) => parameter((q) => Object.entries(q.tags ?? {})[at]?.[part])
  const tagged = filteredVms(db, { ...q, tags: {} }, "vmTags").where(
    sql<SqlBool>`vms.key = ${tag(0, 0)} and vms.value = ${tag(0, 1)}`,
  )
  return others
    .reduce(
      (query, _, at) =>
        query.where(sql<SqlBool>`exists (select from vm_tags other
          where other.id = vms.id and other.key = ${tag(at + 1, 0)} and other.value = ${tag(at + 1, 1)})`),
      tagged,
    )
    .select(sumsOf("vms"))
}

/** Count and sums of every VM that matches (L5), from narrow rows: a covering index serves the header filters. */
const totalsOf = (db: Kysely<DB>, q: VmQuery) => filteredVms(db, q).select(sumsOf("vms"))

/** L5's count and sums over the rows of `table`. */
const sumsOf = (table: "vms" | "matched") =>
  [
    sql<string>`count(*)`.as("total"),
    sql<string>`coalesce(sum(${sql.ref(`${table}.cpus`)}), 0)`.as("totalCpus"),
    sql<string>`coalesce(sum(${sql.ref(`${table}.memory_mib`)}), 0)`.as("totalMemoryMiB"),
    sql<string>`coalesce(sum(${sql.ref(`${table}.disk_gib`)}), 0)`.as("totalDiskGiB"),
  ] as const

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

const keysOf = (q: VmQuery, table: "vms" | "matched"): PageKeys => {
  const sort = sortColumns[q.sort?.by ?? "createdAt"]
  return {
    sort,
    key: table === "vms" ? sort.expression : sql.ref("matched.sortKey"),
    id: idOf(table),
    desc: q.sort?.direction === "desc",
  }
}

/** The page's rows of `rows`: after the cursor if there is one, in the list's order, the offset, one row past it. */
const pageOf = <S extends SelectQueryBuilder<DB & { matched: object }, "vms" | "matched", object>>(
  rows: S,
  q: VmQuery,
  keys: PageKeys,
): S => {
  const [order, idOrder] = orderOf(keys)
  const after = q.after === undefined ? rows : (rows.where(afterCursor(keys, q.after)) as S)
  const ordered = after
    .orderBy(order)
    .orderBy(idOrder)
    .offset(parameter((q) => q.offset ?? 0)) as S
  return q.limit === undefined ? ordered : (ordered.limit(parameter((q) => (q.limit ?? 0) + 1)) as S)
}

/**
 * The page walks vms in the list's order, after the cursor if there is one, and stops one row past the page (to know
 * whether more follow): on a column with a (key, id) index that is a short index range read whatever the table's
 * size. The totals come apart: those PostgreSQL keeps, none (the export's later batches), a count of a tag's entries
 * in vm_tags' covering index (vm-tag-totals.ts), or a count of the VMs that match a host, image or name filter.
 */
const walkedPage = (db: Kysely<DB>, q: VmQuery, totals: ReturnType<typeof noTotals>) => {
  const keys = keysOf(q, "vms")
  return db
    .with("page", () => pageOf(filteredVms(db, q).select("vms.id").select(pageColumns(keys)), q, keys))
    .with("t", () => totals)
}

/**
 * The rows of a page without totals, straight from the walk of the sort index (each VM's row read as the walk reaches
 * it), with their sort and cursor keys: the export's later batches, which need no totals and take many rows, so the
 * deferred join (an index-only walk, then each row again by its primary key) would cost more than it saves.
 */
export const walkedRows = (db: Kysely<DB>, q: VmQuery) => {
  const keys = keysOf(q, "vms")
  return pageOf(filteredVms(db, q).select(pageColumns(keys)), q, keys)
}

/**
 * L2 search as disjoint conditions, one per index: each leaves out the rows of those before it, so the matches add up
 * with UNION ALL and none is read twice or deduplicated (a hash of every match cost ~6 ms of 14,000 at 100,000 VMs).
 * Together as one OR, PostgreSQL would read every matching row. First the branches that are index-only scans of
 * covering indexes (migration 0190): the owner's, then the default IP's, whose index carries the owner to leave
 * out; then those that read each matching VM's row anyway (the text's trigram index; the other NICs, a few keys),
 * where every column to leave out is at hand. `is not true`: a VM without a NIC has no default IP (null).
 */
const searchBranches = (search: string) => {
  const conditions = [
    { byText: false, condition: byOwnerName },
    ...(mayBeAddress(search) ? [{ byText: false, condition: byDefaultIp }] : []),
    { byText: true, condition: byText },
    ...(mayBeAddress(search) ? [{ byText: false, condition: byOtherNic }] : []),
  ]
  return conditions.map(({ byText, condition }, at) => ({
    byText,
    where: sql.join(
      [condition, ...conditions.slice(0, at).map((before) => sql<SqlBool>`(${before.condition}) is not true`)],
      sql` and `,
    ) as Expression<SqlBool>,
  }))
}

/**
 * The totals of a search, one aggregate over its branches. The text's branch reads vm_search's narrow rows
 * (migration 2026_12_06_0300: everything it tests and sums, 22 a page against vms's 14) unless the list also filters
 * by name or tags, which vm_search does not carry; the owner's and default IP's are index-only scans of vms's
 * covering indexes.
 */
const searchedTotals = (db: Kysely<DB>, q: VmQuery, search: string) => {
  const narrowText = !q.name && (q.tags === undefined || Object.keys(q.tags).length === 0)
  const [first, ...others] = searchBranches(search).map(({ byText, where }) =>
    filteredVms(db, { ...q, search: "" }, byText && narrowText ? "vmSearch" : "vms")
      .where(where)
      .select(["vms.cpus", "vms.memoryMiB", "vms.diskGiB"]),
  )
  const summed = others.reduce(
    (all, branch) => all.unionAll(branch),
    first ?? filteredVms(db, q).select(["vms.cpus", "vms.memoryMiB", "vms.diskGiB"]),
  )
  return db.selectFrom(summed.as("matched")).select(sumsOf("matched"))
}

/** The sort index entries a search's page reads, at most, looking for its matches before it sorts them instead. */
const walkedEntries = 1500

/**
 * When a search's matches must be counted, they are read once per question with only their id, sort key and summed
 * columns (searchBranches): the cost follows the matched rows, not the table.
 * - The totals are one aggregate over the branches, straight from their index scans.
 * - The page, when the list is sorted by a column of vms (which has a sort index) and the matches are dense (the
 *   totals, known first, say so): the walk of that index, at most `walkedEntries` entries, keeping those that match
 *   (searchMatches on each row): 10,000 matches of 100,000 VMs need ~500 entries for a page of 50. Only when the
 *   matches are few, or the walk did not find the page (a deep offset, matches bunched late in the order), are the
 *   matches read again and sorted (a top-N sort of narrow rows): one of the two runs, as one-time filters of the plan
 *   decide. Reading the matches once into a materialized CTE and sorting them all cost as much again as the totals
 *   (~10 ms of 14,000 matches at 100,000 VMs); reading a few matches twice costs ~1 ms.
 * - Sorted by a name (owner, flavor, host), which no index orders: the matches are read once into a materialized CTE
 *   for both the totals and a top-N sort.
 */
const countedPage = (db: Kysely<DB>, q: VmQuery) => {
  const search = searchOf(q)
  const sort = sortColumns[q.sort?.by ?? "createdAt"]
  const unsearched = filteredVms(db, { ...q, search: "" })
  const narrow = unsearched.select([
    "vms.id",
    sql<unknown>`${sort.expression}`.as("sortKey"),
    "vms.cpus",
    "vms.memoryMiB",
    "vms.diskGiB",
  ])
  const [first, ...others] = searchBranches(search).map(({ where }) => narrow.where(where))
  const matches = others.reduce((all, branch) => all.unionAll(branch), first ?? narrow)
  const keys = keysOf(q, "matched")
  if (!sort.indexed || q.limit === undefined) {
    return db
      .with(
        (cte) => cte("matched").materialized(),
        () => matches,
      )
      .with("page", (qc) => pageOf(qc.selectFrom("matched").select("matched.id").select(pageColumns(keys)), q, keys))
      .with("t", (qc) => qc.selectFrom("matched").select(sumsOf("matched")))
  }
  const sorted = pageOf(db.selectFrom(matches.as("matched")).select("matched.id").select(pageColumns(keys)), q, keys)
  const walkKeys = keysOf(q, "vms")
  const [order, idOrder] = orderOf(walkKeys)
  const entries = (q.after === undefined ? unsearched : unsearched.where(afterCursor(walkKeys, q.after)))
    .select("vms.id")
    .select(pageColumns(walkKeys))
    .select(searchMatches(search).as("hit"))
    .orderBy(order)
    .orderBy(idOrder)
    .limit(walkedEntries)
  const [walkOrder, walkIdOrder] = orderOf({ ...walkKeys, key: sql.ref("walk.sortKey"), id: idOf("walk") })
  const wantedOf = (q: VmQuery) => (q.offset ?? 0) + (q.limit ?? 0) + 1
  // Walk only when the matches are dense enough to be found within half the entries allowed, were they spread
  // evenly: (matches / VMs) × entries ≥ 2 × wanted. The VM count is the planner's estimate (reltuples): it chooses
  // which plan runs, never what the page holds.
  const dense = sql<SqlBool>`(select t.total from t) * ${walkedEntries} >= ${parameter((q) => 2 * wantedOf(q))} * (select
    greatest(c.reltuples, 1) from pg_class c where c.oid = 'vms'::regclass)`
  const enough = sql<SqlBool>`(select count(*) from walked) >= ${parameter(wantedOf)}`
  return db
    .with("t", () => searchedTotals(db, q, search))
    .with("walked", () =>
      db
        .selectFrom(entries.as("walk"))
        .where(sql<SqlBool>`walk.hit`)
        .where(dense)
        .select(["walk.id", "walk.sortKey", "walk.cursorKey"])
        .orderBy(walkOrder)
        .orderBy(walkIdOrder)
        .offset(parameter((q) => q.offset ?? 0))
        .limit(parameter((q) => (q.limit ?? 0) + 1)),
    )
    .with("page", (qc) =>
      qc
        .selectFrom("walked")
        .select(["walked.id", "walked.sortKey", "walked.cursorKey"])
        .where(enough)
        .unionAll(
          qc
            .selectFrom(sorted.as("sorted"))
            .select(["sorted.id", "sorted.sortKey", "sorted.cursorKey"])
            .where(sql<SqlBool>`not ${enough}`),
        ),
    )
}

/**
 * The page's ids and the totals (walkedPage, countedPage), then only the page's rows of vms (a deferred join), in the
 * list's order. The totals come on every row, and on a single row with no VM when the page is empty.
 */
export const pageFrame = (db: Kysely<DB>, q: VmQuery) => {
  const [order, idOrder] = orderOf({ ...keysOf(q, "vms"), key: sql.ref("page.sortKey"), id: idOf("page") })
  const totals = q.totals === false ? noTotals(db) : (keptTotals(db, q) ?? taggedTotals(db, q))
  const parts =
    totals !== undefined
      ? walkedPage(db, q, totals)
      : searchOf(q)
        ? countedPage(db, q)
        : walkedPage(db, q, totalsOf(db, q))
  return parts
    .selectFrom("t")
    .leftJoin("page", (join) => join.onTrue())
    .leftJoin("vms", "vms.id", "page.id")
    .select(["t.total", "t.totalCpus", "t.totalMemoryMiB", "t.totalDiskGiB", "page.cursorKey"])
    .orderBy(order)
    .orderBy(idOrder)
}

/** One page of the list and the totals of everything that matched, in one statement: each VM whole, with its names. */
export const vmPageStatement = (db: Kysely<DB>, q: VmQuery) =>
  pageFrame(db, q)
    .leftJoin("users as owner", "owner.id", "vms.ownerId")
    .leftJoin("flavors as flavor", "flavor.id", "vms.flavorId")
    .leftJoin("hosts as host", "host.id", "vms.hostId")
    .selectAll("vms")
    .select([
      affinityGroupIdsOf.as("affinityGroupIds"),
      "owner.name as ownerName",
      "flavor.name as flavorName",
      "host.name as hostName",
      ipsOf.as("ips"),
    ])

/** What a page's rows and totals say besides the rows: the totals, and the next page's cursor. */
export const pageOutline = <R extends { readonly id: string | null; readonly cursorKey: string | null }>(
  rows: ReadonlyArray<R & TotalsColumns>,
  q: VmQuery,
) => {
  const first = rows[0]
  const found = rows.filter((row): row is R & TotalsColumns & { readonly id: string } => row.id !== null)
  const page = q.limit === undefined ? found : found.slice(0, q.limit)
  const last = page.at(-1)
  return {
    page,
    total: Number(first?.total ?? 0),
    totals: {
      cpus: Number(first?.totalCpus ?? 0),
      memoryMiB: Number(first?.totalMemoryMiB ?? 0),
      diskGiB: Number(first?.totalDiskGiB ?? 0),
    },
    next: found.length > page.length && last !== undefined ? { key: last.cursorKey, id: last.id } : undefined,
  }
}

type TotalsColumns = {
  readonly total: string | null
  readonly totalCpus: string | null
  readonly totalMemoryMiB: string | null
  readonly totalDiskGiB: string | null
}

type PageRow = InferResult<ReturnType<typeof vmPageStatement>>[number]
/** vmPageStatement compiled once per shape of question (vm-statement.ts). */
const pageStatement = cachedStatement(
  (db, q) => vmPageStatement(db, q),
  () => "",
)

/** One page of the list (L1–L4) and the totals of the filtered set (L5): see vmPageStatement. */
export const queryVms = async (db: Kysely<DB>, q: VmQuery): Promise<VmPage> => {
  const { page, ...outline } = pageOutline((await db.executeQuery<PageRow>(pageStatement(db, q, []))).rows, q)
  return {
    rows: page.map((row) => ({
      vm: vmCodec.decode(row),
      ownerName: row.ownerName ?? "",
      flavorName: row.flavorName ?? "",
      hostName: row.hostName,
      ips: row.ips,
      diskGiB: Number(row.diskGiB),
    })),
    ...outline,
  }
}

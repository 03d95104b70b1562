import { type Kysely, sql } from "kysely"
import type { DB } from "./schema.ts"
import type { VmQuery } from "./vm-query.ts"
import { filterValues, scopeValue, searchOf } from "./vm-statement.ts"

const nonEmpty = <T>(values: ReadonlyArray<T> | undefined): values is ReadonlyArray<T> =>
  values !== undefined && values.length > 0

/** Whether the kept totals answer `q`: it filters on nothing but scope, state, flavor, owner and the recycle bin. */
const keptTotalsAnswer = (q: VmQuery) =>
  !searchOf(q) &&
  !q.name &&
  (q.tags === undefined || Object.keys(q.tags).length === 0) &&
  !nonEmpty(q.hostIds) &&
  !nonEmpty(q.imageIds)

/**
 * L5 totals from the totals PostgreSQL keeps per (company, department, owner, state, flavor) (migration
 * 2026_12_06_0011) and the changes not folded into them yet; undefined when `q` filters on anything else, and the
 * matching VMs must be counted.
 */
export const keptTotals = (db: Kysely<DB>, q: VmQuery) => {
  if (!keptTotalsAnswer(q)) return undefined
  const columns = ["companyId", "departmentId", "ownerId", "state", "flavorId", "recycled"] as const
  const sums = ["vms", "cpus", "memoryMiB", "diskGiB"] as const
  const kept = db
    .selectFrom("vmTotals")
    .select([...columns, ...sums])
    .unionAll(db.selectFrom("vmTotalsDeltas").select([...columns, ...sums]))
  let query = db.selectFrom(kept.as("k")).where("k.recycled", "=", q.recycled === true)
  // The values as parameters read from the question (vm-statement.ts).
  if (q.scope.companyId !== undefined) query = query.where("k.companyId", "=", scopeValue("companyId"))
  if (q.scope.departmentId !== undefined) query = query.where("k.departmentId", "=", scopeValue("departmentId"))
  if (q.scope.ownerId !== undefined) query = query.where("k.ownerId", "=", scopeValue("ownerId"))
  if (nonEmpty(q.states)) query = query.where("k.state", "in", filterValues(q, "states"))
  if (nonEmpty(q.flavorIds)) query = query.where("k.flavorId", "in", filterValues(q, "flavorIds"))
  if (nonEmpty(q.ownerIds)) query = query.where("k.ownerId", "in", filterValues(q, "ownerIds"))
  return query.select((eb) => [
    eb.fn.coalesce(eb.fn.sum<string>("k.vms"), sql<string>`0`).as("total"),
    eb.fn.coalesce(eb.fn.sum<string>("k.cpus"), sql<string>`0`).as("totalCpus"),
    eb.fn.coalesce(eb.fn.sum<string>("k.memoryMiB"), sql<string>`0`).as("totalMemoryMiB"),
    eb.fn.coalesce(eb.fn.sum<string>("k.diskGiB"), sql<string>`0`).as("totalDiskGiB"),
  ])
}

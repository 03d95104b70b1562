import { type Kysely, sql } from "kysely"
import type { DB } from "./schema.ts"
import type { VmQuery } from "./vm-query.ts"
import { nonEmpty } from "./vm-totals.ts"

/**
 * L5 totals of a list filtered by tags, from vm_tags (migration 2026_12_06_0300): the first tag's entries in its
 * covering index with the header filters on them, each other tag by the VM's own tag rows (every tag must match).
 * Undefined when `q` searches, filters by name or lists the recycle bin (the index covers the other VMs only): those
 * count the matching VMs themselves.
 */
export const taggedTotals = (db: Kysely<DB>, q: VmQuery) => {
  const [first, ...others] = Object.entries(q.tags ?? {})
  if (first === undefined || q.recycled === true || q.search?.trim() || q.name) return undefined
  let query = db
    .selectFrom("vmTags as t")
    .where("t.key", "=", first[0])
    .where("t.value", "=", first[1])
    .where("t.recycledAt", "is", null)
  if (q.scope.companyId !== undefined) query = query.where("t.companyId", "=", q.scope.companyId)
  if (q.scope.departmentId !== undefined) query = query.where("t.departmentId", "=", q.scope.departmentId)
  if (q.scope.ownerId !== undefined) query = query.where("t.ownerId", "=", q.scope.ownerId)
  if (nonEmpty(q.states)) query = query.where("t.state", "in", q.states)
  if (nonEmpty(q.flavorIds)) query = query.where("t.flavorId", "in", q.flavorIds)
  if (nonEmpty(q.ownerIds)) query = query.where("t.ownerId", "in", q.ownerIds)
  if (nonEmpty(q.hostIds)) query = query.where("t.hostId", "in", q.hostIds)
  if (nonEmpty(q.imageIds)) query = query.where("t.imageId", "in", q.imageIds)
  for (const [key, value] of others) {
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom("vmTags as other")
          .select(sql`1`.as("one"))
          .whereRef("other.vmId", "=", "t.vmId")
          .where("other.key", "=", key)
          .where("other.value", "=", value),
      ),
    )
  }
  return query.select((eb) => [
    eb.fn.countAll<string>().as("total"),
    eb.fn.coalesce(eb.fn.sum<string>("t.cpus"), sql<string>`0`).as("totalCpus"),
    eb.fn.coalesce(eb.fn.sum<string>("t.memoryMiB"), sql<string>`0`).as("totalMemoryMiB"),
    eb.fn.coalesce(eb.fn.sum<string>("t.diskGiB"), sql<string>`0`).as("totalDiskGiB"),
  ])
}

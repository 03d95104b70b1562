import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * R5: what the reclaim job has done for a VM's reclaim date: the reminder before it and the expiry step (policy
 * applied, reminder after). Keyed by the date too, so that a new date starts afresh. No foreign keys: the record
 * outlives a purged VM. The partial index serves the job's search for VMs whose date is near.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .createTable("reclaim_notices")
    .addColumn("vm_id", "text", (c) => c.notNull())
    .addColumn("reclaim_at", "timestamptz", (c) => c.notNull())
    .addColumn("step", "text", (c) => c.notNull().check(sql`step in ('notice', 'expired')`))
    .addColumn("at", "timestamptz", (c) => c.notNull())
    .addColumn("task_id", "text", (c) => c.notNull())
    .addColumn("outcome", "text", (c) => c.notNull())
    .addColumn("recipients", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("delivered", "boolean", (c) => c.notNull())
    .addColumn("error", "text")
    .addPrimaryKeyConstraint("reclaim_notices_pkey", ["vm_id", "reclaim_at", "step"])
    .execute()
  await sql`create index vms_reclaim_at_idx on vms (reclaim_at) where reclaim_at is not null and recycled_at is null`.execute(
    db,
  )
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await sql`drop index vms_reclaim_at_idx`.execute(db)
  await db.schema.dropTable("reclaim_notices").execute()
}

import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * L4 tag filters (`tags @> {...}`) read the VMs that carry the tags instead of testing the jsonb of every VM: a
 * quarter of 10,000 VMs with app-role web took half the database time of a list request to find by scan
 * (bench/api-list). jsonb_path_ops serves @> only, which is all the list asks, in a smaller index than jsonb_ops.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await sql`create index vms_tags_idx on vms using gin (tags jsonb_path_ops)`.execute(db)
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.dropIndex("vms_tags_idx").execute()
}

import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * L5 totals over 10,000 VMs (bench/api-list): the disk total of the matching VMs is read from this index alone
 * (once autovacuum has marked the pages all-visible) instead of from the disks table. It serves every lookup the
 * plain vm_id index served, which it replaces.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await sql`create index disks_vm_id_size_gib_idx on disks (vm_id) include (size_gib)`.execute(db)
  await db.schema.dropIndex("disks_vm_id_idx").execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.createIndex("disks_vm_id_idx").on("disks").column("vm_id").execute()
  await db.schema.dropIndex("disks_vm_id_size_gib_idx").execute()
}

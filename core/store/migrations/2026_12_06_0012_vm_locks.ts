import type { Kysely } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * One operation at a time per VM, across every agent on the database (G4): a VM's lock is its row here, claimed by a
 * conditional upsert (free → held) and freed by its holder. No foreign key: a purged VM's lock is freed by the
 * operation that purged it. A holder names its host and its agent's start; recovery frees the locks of an earlier start.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .createTable("vm_locks")
    .addColumn("vm_id", "text", (c) => c.primaryKey())
    .addColumn("holder", "text")
    .addColumn("operation", "text")
    .addColumn("taken_at", "timestamptz")
    .execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.dropTable("vm_locks").execute()
}

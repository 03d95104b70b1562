import type { Kysely } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * X5: a VM may hold several key pairs ("选择需要启用的密钥"), in the order they were chosen. Deleting a key pair or
 * the VM drops its rows. A VM with no rows holds the key pair its create or login switch chose (vms.key_pair_id).
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .createTable("vm_key_pairs")
    .addColumn("vm_id", "text", (c) => c.notNull().references("vms.id").onDelete("cascade"))
    .addColumn("key_pair_id", "text", (c) => c.notNull().references("key_pairs.id").onDelete("cascade"))
    .addColumn("position", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("vm_key_pairs_pkey", ["vm_id", "key_pair_id"])
    .execute()
  await db.schema.createIndex("vm_key_pairs_key_pair_id_idx").on("vm_key_pairs").column("key_pair_id").execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.dropTable("vm_key_pairs").execute()
}

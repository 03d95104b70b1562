import type { Kysely } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * R11: a password reset while the VM is stopped waits for its next start, which sets it in the guest (through the
 * guest agent) and clears the flag. Existing VMs have nothing pending.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .alterTable("vms")
    .addColumn("password_pending", "boolean", (c) => c.notNull().defaultTo(false))
    .execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.alterTable("vms").dropColumn("password_pending").execute()
}

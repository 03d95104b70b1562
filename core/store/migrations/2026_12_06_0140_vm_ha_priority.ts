import type { Kysely } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * R12, #16: the order in which the leader restarts the HA VMs of a host that went down, 0–100, higher first.
 * Existing VMs have the lowest priority (0), so their order stays what it was (the oldest first).
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .alterTable("vms")
    .addColumn("ha_priority", "integer", (c) => c.notNull().defaultTo(0))
    .execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.alterTable("vms").dropColumn("ha_priority").execute()
}

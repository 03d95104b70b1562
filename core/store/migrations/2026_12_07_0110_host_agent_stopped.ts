import type { Kysely } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * #16 R12: when a host's agent stopped gracefully (its guests keep running), so that the others read the host
 * suspect, not down, while it restarts, and do not fail its VMs over. Null while an agent heartbeats.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.alterTable("hosts").addColumn("agent_stopped_at", "timestamptz").execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.alterTable("hosts").dropColumn("agent_stopped_at").execute()
}

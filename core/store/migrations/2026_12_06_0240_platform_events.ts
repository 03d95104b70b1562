import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * #21 G4: the events every agent published (task progress, VM state changes), kept for a retention window so that
 * `/events?since=<id>` replays what a client missed across an agent's restart and on any agent of a cluster. The id
 * is the database's sequence, so ids of different agents compare. No foreign keys: an event outlives its VM.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .createTable("platform_events")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("host_id", "text", (c) => c.notNull())
    .addColumn("event", "jsonb", (c) => c.notNull())
    .execute()
  // The leader prunes by age.
  await db.schema.createIndex("platform_events_at_idx").on("platform_events").column("at").execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.dropTable("platform_events").execute()
}

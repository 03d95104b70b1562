import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * #16 membership: what placement needs of each host beyond CPUs and cores, and a heartbeat worth an index. Memory
 * may be overcommitted too (100 = none, today's behaviour); a host lists the networks it carries, so a VM that
 * needs a network is placed where its bridge exists. Existing hosts carry none until their agent registers again.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .alterTable("hosts")
    .addColumn("memory_overcommit_percent", "integer", (c) => c.notNull().defaultTo(100))
    .addColumn("network_ids", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.alterTable("hosts").dropColumn("network_ids").dropColumn("memory_overcommit_percent").execute()
}

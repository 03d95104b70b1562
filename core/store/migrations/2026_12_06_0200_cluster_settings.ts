import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * #16, R12: the settings every agent of a cluster must share, one row (id 'cluster'): the heartbeat timeouts and what
 * holds capacity (the stopped-VM policy). The first agent to start writes its values; the others read them, or
 * refuse to start when told other values while a host is up.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .createTable("cluster_settings")
    .addColumn("id", "text", (c) => c.primaryKey().check(sql`id = 'cluster'`))
    .addColumn("suspect_after_seconds", "integer", (c) => c.notNull())
    .addColumn("down_after_seconds", "integer", (c) => c.notNull())
    .addColumn("stopped_vms", "text", (c) => c.notNull().check(sql`stopped_vms in ('hold', 'release')`))
    .addColumn("set_by_host_id", "text", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .addCheckConstraint(
      "cluster_settings_order",
      sql`0 < suspect_after_seconds and suspect_after_seconds < down_after_seconds`,
    )
    .execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.dropTable("cluster_settings").execute()
}

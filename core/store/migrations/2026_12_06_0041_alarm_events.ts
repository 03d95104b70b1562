import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * R1, M2: the alarm history. One row each time a rule fires or recovers, with the value that decided it and who
 * was told. The newest row of a rule says whether its alarm is on, so an alarm that stays on mails once. No foreign
 * keys: the history outlives a deleted rule or a purged VM.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .createTable("alarm_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("rule_id", "text", (c) => c.notNull())
    .addColumn("vm_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('fired', 'recovered')`))
    .addColumn("metric", "text", (c) => c.notNull())
    .addColumn("value_percent", "double precision", (c) => c.notNull())
    .addColumn("threshold_percent", "double precision", (c) => c.notNull())
    .addColumn("at", "timestamptz", (c) => c.notNull())
    .addColumn("recipients", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("delivered", "boolean", (c) => c.notNull())
    .addColumn("error", "text")
    .execute()
  await db.schema.createIndex("alarm_events_rule_at_idx").on("alarm_events").columns(["rule_id", "at"]).execute()
  await db.schema.createIndex("alarm_events_vm_at_idx").on("alarm_events").columns(["vm_id", "at"]).execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.dropTable("alarm_events").execute()
}

import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * M1: one row per VM per sample. `tier` is `raw` (the collector's interval, kept a day) or `5m` (five-minute
 * averages rolled up from raw, kept a month). Rates, not counters, so a rolled-up row is a plain average. No
 * foreign key to vms: a purged VM's series ages out with the retention like any other, and the purge needs no
 * extra step. Bytes are double precision: pg returns bigint as a string, and 2^53 bytes is far away.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .createTable("metric_samples")
    .addColumn("vm_id", "text", (c) => c.notNull())
    .addColumn("tier", "text", (c) => c.notNull().check(sql`tier in ('raw', '5m')`))
    .addColumn("at", "timestamptz", (c) => c.notNull())
    .addColumn("samples", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("cpu_percent", "double precision")
    .addColumn("memory_used_bytes", "double precision")
    .addColumn("memory_total_bytes", "double precision")
    .addColumn("disk_read_bps", "double precision")
    .addColumn("disk_write_bps", "double precision")
    .addColumn("net_rx_bps", "double precision")
    .addColumn("net_tx_bps", "double precision")
    .addColumn("disk_used_percent", "double precision")
    .addPrimaryKeyConstraint("metric_samples_pkey", ["vm_id", "tier", "at"])
    .execute()
  // Retention deletes and roll-ups read by tier and time across all VMs.
  await db.schema.createIndex("metric_samples_tier_at_idx").on("metric_samples").columns(["tier", "at"]).execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.dropTable("metric_samples").execute()
}

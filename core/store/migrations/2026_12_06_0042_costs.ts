import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * M3, D5. `vm_holdings`: what each VM held (flavor, image, disks, public IPs, GPUs, services) from `since` on, one
 * row per change, null once purged; the daily cost counts each holding pro rata. `vm_daily_costs`: one row per VM
 * per UTC day, in minor units, with the VM's organisation for reports. No foreign keys: costs outlive the VM.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .createTable("vm_holdings")
    .addColumn("vm_id", "text", (c) => c.notNull())
    .addColumn("since", "timestamptz", (c) => c.notNull())
    .addColumn("holding", "jsonb")
    .addPrimaryKeyConstraint("vm_holdings_pkey", ["vm_id", "since"])
    .execute()
  await db.schema
    .createTable("vm_daily_costs")
    .addColumn("vm_id", "text", (c) => c.notNull())
    .addColumn("day", "text", (c) => c.notNull().check(sql`day ~ '^\\d{4}-\\d{2}-\\d{2}$'`))
    .addColumn("company_id", "text", (c) => c.notNull())
    .addColumn("department_id", "text", (c) => c.notNull())
    .addColumn("flavor", "integer", (c) => c.notNull())
    .addColumn("storage", "integer", (c) => c.notNull())
    .addColumn("image", "integer", (c) => c.notNull())
    .addColumn("public_ip", "integer", (c) => c.notNull())
    .addColumn("services", "integer", (c) => c.notNull())
    .addColumn("gpu", "integer", (c) => c.notNull())
    .addColumn("total", "integer", (c) => c.notNull())
    .addColumn("computed_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("vm_daily_costs_pkey", ["vm_id", "day"])
    .execute()
  await db.schema
    .createIndex("vm_daily_costs_department_day_idx")
    .on("vm_daily_costs")
    .columns(["department_id", "day"])
    .execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.dropTable("vm_daily_costs").execute()
  await db.schema.dropTable("vm_holdings").execute()
}

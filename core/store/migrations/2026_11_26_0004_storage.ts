import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

export const up = async (db: Kysely<unknown>): Promise<void> => {
  // kind, vm_id and disk_id are derived from the jsonb target so that they can be filtered, indexed and
  // carry foreign keys: a schedule goes with the VM or disk it targets.
  await db.schema
    .createTable("schedules")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("target", "jsonb", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull().generatedAlwaysAs(sql`target ->> 'kind'`).stored())
    .addColumn("vm_id", "text", (c) =>
      c.generatedAlwaysAs(sql`target ->> 'vmId'`).stored().references("vms.id").onDelete("cascade"),
    )
    .addColumn("disk_id", "text", (c) =>
      c.generatedAlwaysAs(sql`target ->> 'diskId'`).stored().references("disks.id").onDelete("cascade"),
    )
    .addColumn("period", "text", (c) => c.notNull())
    .addColumn("minute", "integer", (c) => c.notNull())
    .addColumn("hour", "integer", (c) => c.notNull())
    .addColumn("day_of_week", "integer", (c) => c.notNull())
    .addColumn("day_of_month", "integer", (c) => c.notNull())
    .addColumn("time_zone", "text", (c) => c.notNull())
    .addColumn("retention", "integer", (c) => c.notNull())
    .addColumn("enabled", "boolean", (c) => c.notNull())
    .addColumn("last_run_at", "timestamptz")
    .addColumn("created_by", "text", (c) => c.notNull().references("users.id"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex("schedules_vm_id_idx").on("schedules").column("vm_id").execute()
  await db.schema.createIndex("schedules_disk_id_idx").on("schedules").column("disk_id").execute()

  // A schedule's removal keeps what it made (V6).
  await db.schema
    .createTable("snapshots")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("vm_id", "text", (c) => c.notNull().references("vms.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("with_memory", "boolean", (c) => c.notNull())
    .addColumn("origin", "text", (c) => c.notNull())
    .addColumn("schedule_id", "text", (c) => c.references("schedules.id").onDelete("set null"))
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("size_bytes", "bigint", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex("snapshots_vm_id_idx").on("snapshots").column("vm_id").execute()

  // An increment cannot outlive the backup it builds on.
  await db.schema
    .createTable("backups")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("disk_id", "text", (c) => c.notNull().references("disks.id").onDelete("cascade"))
    .addColumn("vm_id", "text", (c) => c.references("vms.id").onDelete("set null"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("parent_id", "text", (c) => c.references("backups.id").onDelete("cascade"))
    .addColumn("origin", "text", (c) => c.notNull())
    .addColumn("schedule_id", "text", (c) => c.references("schedules.id").onDelete("set null"))
    .addColumn("location", "text", (c) => c.notNull())
    .addColumn("size_bytes", "bigint", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex("backups_disk_id_idx").on("backups").column("disk_id").execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  for (const table of ["backups", "snapshots", "schedules"]) {
    await db.schema.dropTable(table).execute()
  }
}

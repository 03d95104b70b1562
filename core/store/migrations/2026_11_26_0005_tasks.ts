import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

export const up = async (db: Kysely<unknown>): Promise<void> => {
  // No foreign keys: a task record outlives the VM, user or batch it names (G4).
  await db.schema
    .createTable("tasks")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("operation", "text", (c) => c.notNull())
    .addColumn("vm_id", "text")
    .addColumn("target_id", "text")
    .addColumn("parent_id", "text")
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("company_id", "text", (c) => c.notNull())
    .addColumn("department_id", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("progress", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("params", "jsonb")
    .addColumn("result", "jsonb")
    .addColumn("error", "jsonb")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("started_at", "timestamptz")
    .addColumn("finished_at", "timestamptz")
    .execute()
  await db.schema.createIndex("tasks_vm_id_created_at_idx").on("tasks").columns(["vm_id", "created_at"]).execute()
  await db.schema.createIndex("tasks_created_at_idx").on("tasks").column("created_at").execute()
  await db.schema.createIndex("tasks_parent_id_idx").on("tasks").column("parent_id").execute()
  await db.schema
    .createIndex("tasks_department_id_created_at_idx")
    .on("tasks")
    .columns(["department_id", "created_at"])
    .execute()
  // Unfinished tasks are what recovery after a crash looks for.
  await db.schema
    .createIndex("tasks_unfinished_idx")
    .on("tasks")
    .column("state")
    .where(sql.ref("state"), "in", ["queued", "running"])
    .execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.dropTable("tasks").execute()
}

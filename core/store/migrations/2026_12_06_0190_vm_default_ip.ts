import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/** What a search's matching VMs are counted, summed and ordered by, carried by the indexes below (#23). */
const listed = [
  "id",
  "company_id",
  "department_id",
  "state",
  "flavor_id",
  "host_id",
  "image_id",
  "cpus",
  "memory_mib",
  "disk_gib",
  "created_at",
  "display_name",
]

/**
 * #23: an L2 search by IP prefix or by owner, with its totals, answered from an index alone (an index-only scan),
 * whatever share of 100,000 VMs it matches.
 * - vms.default_ip: the primary IP of the VM's default NIC (the first address the list shows), kept by PostgreSQL
 *   from nics by statement triggers (one update of the VMs a statement touched, not one per NIC: the bench's seed
 *   writes 5,000 NICs per statement). A search by IP prefix read the NICs' prefix index, then every matching VM's
 *   row for its filters and sums: 10.20.1 matches 28% of 100,000 VMs, 350–420 ms.
 * - Two covering indexes over the VMs outside the recycle bin: (default_ip) and (owner_id, host_id), each carrying the
 *   scope, the header filters, the summed columns and the usual sort keys, so that counting, summing and ordering
 *   the matches reads index entries only.
 * - Index-only scans skip the row only on pages the visibility map marks all-visible, which a VM's update clears
 *   (state changes every start and stop). Autovacuum's default waits for 20% of the table to change; at 100,000
 *   VMs that is 20,000 updates between vacuums. 1% (and 1% of inserts) keeps the map fresh.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await sql`alter table vms add column default_ip text`.execute(db)
  await sql`create function vms_default_ip_of(vm_ids text[]) returns void language sql as $$
    update vms v set default_ip = d.ip
    from (select u.id, (select n.primary_ip from nics n where n.vm_id = u.id and n.is_default
                        order by n.created_at, n.id limit 1) as ip
          from unnest(vm_ids) as u(id)) d
    where v.id = d.id and v.default_ip is distinct from d.ip
  $$`.execute(db)
  await sql`create function nics_default_ip_added() returns trigger language plpgsql as $$
    begin
      perform vms_default_ip_of(array(select distinct vm_id from added where is_default));
      return null;
    end $$`.execute(db)
  await sql`create function nics_default_ip_removed() returns trigger language plpgsql as $$
    begin
      perform vms_default_ip_of(array(select distinct vm_id from removed where is_default));
      return null;
    end $$`.execute(db)
  await sql`create function nics_default_ip_changed() returns trigger language plpgsql as $$
    begin
      perform vms_default_ip_of(array(
        select vm_id from removed where is_default union select vm_id from added where is_default));
      return null;
    end $$`.execute(db)
  await sql`create trigger nics_default_ip_added after insert on nics referencing new table as added
    for each statement execute function nics_default_ip_added()`.execute(db)
  await sql`create trigger nics_default_ip_removed after delete on nics referencing old table as removed
    for each statement execute function nics_default_ip_removed()`.execute(db)
  await sql`create trigger nics_default_ip_changed after update on nics
    referencing old table as removed new table as added
    for each statement execute function nics_default_ip_changed()`.execute(db)
  await sql`update vms v set default_ip = d.primary_ip
    from (select distinct on (vm_id) vm_id, primary_ip from nics where is_default
          order by vm_id, created_at, id) d
    where d.vm_id = v.id`.execute(db)

  const payload = (without: string) => sql.join(listed.filter((c) => c !== without).map((c) => sql.id(c)))
  await sql`create index vms_list_default_ip_idx on vms (default_ip text_pattern_ops)
    include (owner_id, ${payload("")}) where recycled_at is null`.execute(db)
  // Keyed by owner and host: a search by owner within a host filter (a portal's host page) seeks each owner's VMs
  // on that host instead of reading all of them.
  await sql`create index vms_list_owner_idx on vms (owner_id, host_id)
    include (${payload("host_id")}) where recycled_at is null`.execute(db)
  // The NICs a search by IP prefix reads besides the default ones (vms.default_ip): the few non-default NICs.
  await sql`create index nics_other_primary_ip_idx on nics (primary_ip text_pattern_ops) include (vm_id)
    where not is_default`.execute(db)
  await sql`alter table vms set (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01,
    autovacuum_analyze_scale_factor = 0.02)`.execute(db)
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await sql`alter table vms reset (autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor,
    autovacuum_analyze_scale_factor)`.execute(db)
  for (const name of ["vms_list_default_ip_idx", "vms_list_owner_idx", "nics_other_primary_ip_idx"]) {
    await db.schema.dropIndex(name).execute()
  }
  for (const name of ["nics_default_ip_added", "nics_default_ip_removed", "nics_default_ip_changed"]) {
    await sql`drop trigger ${sql.id(name)} on nics`.execute(db)
    await sql`drop function ${sql.id(name)}()`.execute(db)
  }
  await sql`drop function vms_default_ip_of(text[])`.execute(db)
  await sql`alter table vms drop column default_ip`.execute(db)
}

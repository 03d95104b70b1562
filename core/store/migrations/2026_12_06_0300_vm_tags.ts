import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/** The columns of vms a tagged list filters on or sums, copied onto each of the VM's tags. */
const carried = [
  "recycled_at",
  "company_id",
  "department_id",
  "owner_id",
  "state",
  "flavor_id",
  "host_id",
  "image_id",
  "cpus",
  "memory_mib",
  "disk_gib",
]

/**
 * #23: the totals of a list filtered by a tag (L4, L5) from an index alone. `tags @>` found the tagged VMs by their
 * GIN index, then read each VM's row for its filters and sums: app-role:web is 25,000 of 100,000 VMs on 4,100 pages
 * of vms, 26–30 ms. vm_tags holds one row per VM and tag with the columns the list filters on and sums, and a
 * covering index (key, value, state) over the VMs outside the recycle bin: the same totals are an index-only scan of
 * the tag's entries (25,000 entries on ~1,100 pages, ~6 ms).
 * - Kept by a row trigger on vms in the writer's transaction: an insert adds the VM's tags; an update that changes
 *   the tags or a carried column replaces them (a plain update, e.g. of the version, leaves them); a delete removes
 *   them by the foreign key's cascade. Each VM's rows are written only under that VM's row lock, so concurrent
 *   writers of different VMs never meet, and those of one VM queue on its row as they already do.
 * - Index-only scans skip the row only on all-visible pages; a state change rewrites the VM's tag rows, so vacuum
 *   comes at 1% of changes, as for vms (migration 0190).
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await sql`create table vm_tags (
    vm_id text not null references vms (id) on delete cascade,
    key text not null,
    value text not null,
    recycled_at timestamptz,
    company_id text not null,
    department_id text not null,
    owner_id text not null,
    state text not null,
    flavor_id text not null,
    host_id text,
    image_id text not null,
    cpus integer not null,
    memory_mib integer not null,
    disk_gib integer not null,
    primary key (vm_id, key))`.execute(db)
  const columns = sql.join(carried.map((c) => sql.id(c)))
  const of = (row: "old" | "new") => sql.join(carried.map((c) => sql`${sql.raw(row)}.${sql.id(c)}`))
  await sql`create function vm_tags_kept() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' then
        if (old.tags, ${of("old")}) is not distinct from (new.tags, ${of("new")}) then
          return null;
        end if;
        delete from vm_tags where vm_id = old.id;
      end if;
      insert into vm_tags (vm_id, key, value, ${columns})
        select new.id, t.key, t.value, ${of("new")} from jsonb_each_text(new.tags) t;
      return null;
    end $$`.execute(db)
  await sql`create trigger vms_tags_kept after insert or update on vms
    for each row execute function vm_tags_kept()`.execute(db)
  await sql`insert into vm_tags (vm_id, key, value, ${columns})
    select v.id, t.key, t.value, ${sql.join(carried.map((c) => sql`v.${sql.id(c)}`))}
    from vms v cross join jsonb_each_text(v.tags) t`.execute(db)
  await sql`create index vm_tags_list_idx on vm_tags (key, value, state)
    include (vm_id, ${sql.join(carried.filter((c) => c !== "state" && c !== "recycled_at").map((c) => sql.id(c)))})
    where recycled_at is null`.execute(db)
  await sql`alter table vm_tags set (autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02)`.execute(db)
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await sql`drop trigger vms_tags_kept on vms`.execute(db)
  await sql`drop function vm_tags_kept()`.execute(db)
  await sql`drop table vm_tags`.execute(db)
}

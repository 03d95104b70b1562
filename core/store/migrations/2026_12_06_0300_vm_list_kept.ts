import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/** The columns of vms a tag filter or a search tests and sums, copied under the same names into both tables. */
const listed = [
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
/** What vm_search carries besides: what a search tests. */
const searched = ["search_text", "default_ip", ...listed]

const columns = (names: ReadonlyArray<string>) => sql.join(names.map((c) => sql.id(c)))
const of = (row: "old" | "new", names: ReadonlyArray<string>) =>
  sql.join(names.map((c) => sql`${sql.raw(row)}.${sql.id(c)}`))

/**
 * #23: the totals of a list filtered by a tag, or searched by name, from narrow rows (L2, L4, L5). Both found the
 * matching VMs by an index (GIN over tags, trigram over search_text), then read each VM's row of vms (~570 bytes, 14
 * a page) for its filters and sums: app-role:web is 25,000 of 100,000 VMs on 4,100 pages (26–30 ms), "shop" 10,000
 * on 7,100 pages (12–14 ms with every page in shared buffers). Two tables beside vms, whose columns keep vms's names
 * so that the list's filters apply to them unchanged:
 * - vm_tags: one row per VM and tag with the columns the list filters on and sums, and a covering index (key, value,
 *   state) over the VMs outside the recycle bin: a tag's totals are an index-only scan of its entries (25,000
 *   entries on ~1,100 pages, ~6 ms).
 * - vm_search: one row per VM with what a search tests and sums (~300 bytes, 22 a page) and its own trigram index:
 *   a name's totals read ~4,600 pages instead of ~7,100.
 * One row trigger on vms keeps both in the writer's transaction: an insert adds the VM's rows; an update rewrites
 * the VM's tag rows if the tags or a listed column changed, and updates its search row if a searched column did (a
 * plain update, e.g. of the version, leaves both); a delete removes them by the foreign keys' cascade. A VM's rows
 * are written only under that VM's row lock, so writers of different VMs never meet, and those of one VM queue on
 * its row as they already do. default_ip is itself kept on vms by the NICs' triggers (migration 0190), whose update
 * of vms reaches this trigger. Index-only scans skip the row only on all-visible pages: vacuum comes at 1% of
 * changes, as for vms (migration 0190).
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  const listedColumns = sql`recycled_at timestamptz, company_id text not null, department_id text not null,
    owner_id text not null, state text not null, flavor_id text not null, host_id text, image_id text not null,
    cpus integer not null, memory_mib integer not null, disk_gib integer not null`
  await sql`create table vm_tags (
    id text not null references vms (id) on delete cascade, key text not null, value text not null, ${listedColumns},
    primary key (id, key))`.execute(db)
  await sql`create table vm_search (
    id text primary key references vms (id) on delete cascade, search_text text not null, default_ip text,
    ${listedColumns})`.execute(db)
  const tagRows = sql`insert into vm_tags (id, key, value, ${columns(listed)})
    select new.id, t.key, t.value, ${of("new", listed)} from jsonb_each_text(new.tags) t`
  await sql`create function vm_list_kept() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into vm_search (id, ${columns(searched)}) values (new.id, ${of("new", searched)});
        ${tagRows};
        return null;
      end if;
      if (${of("old", searched)}) is distinct from (${of("new", searched)}) then
        update vm_search set (${columns(searched)}) = (select ${of("new", searched)}) where id = new.id;
      end if;
      if (old.tags, ${of("old", listed)}) is distinct from (new.tags, ${of("new", listed)}) then
        delete from vm_tags where id = old.id;
        ${tagRows};
      end if;
      return null;
    end $$`.execute(db)
  await sql`create trigger vms_list_kept after insert or update on vms
    for each row execute function vm_list_kept()`.execute(db)
  await sql`insert into vm_search (id, ${columns(searched)}) select id, ${columns(searched)} from vms`.execute(db)
  await sql`insert into vm_tags (id, key, value, ${columns(listed)})
    select v.id, t.key, t.value, ${sql.join(listed.map((c) => sql`v.${sql.id(c)}`))}
    from vms v cross join jsonb_each_text(v.tags) t`.execute(db)
  await sql`create index vm_tags_list_idx on vm_tags (key, value, state)
    include (id, ${columns(listed.filter((c) => c !== "state" && c !== "recycled_at"))})
    where recycled_at is null`.execute(db)
  await sql`create index vm_search_text_trgm_idx on vm_search using gin (search_text gin_trgm_ops)`.execute(db)
  for (const table of ["vm_tags", "vm_search"]) {
    await sql`alter table ${sql.id(table)} set (autovacuum_vacuum_scale_factor = 0.01,
      autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02)`.execute(db)
  }
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await sql`drop trigger vms_list_kept on vms`.execute(db)
  await sql`drop function vm_list_kept()`.execute(db)
  await sql`drop table vm_tags`.execute(db)
  await sql`drop table vm_search`.execute(db)
}

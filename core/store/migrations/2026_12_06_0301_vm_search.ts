import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/** The columns of vms a searched list tests and sums, copied, under the same names, into vm_search. */
const carried = [
  "search_text",
  "default_ip",
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
 * #23: the totals of a search by name or hostname (L2, L5) from narrow rows. The trigram index finds the matching
 * VMs, but each match is then read from its row of vms (~570 bytes, 14 a page): "shop" matches 10,000 of 100,000 VMs
 * on 7,100 of vms's pages, 12–14 ms with every page in shared buffers. vm_search holds, per VM, only what such a
 * search tests and sums (search text, default IP, scope, header filters, sizes; ~300 bytes, 22 a page: 4,600 pages)
 * with its own trigram index: the same totals read ~4,600 pages, ~7 ms.
 * - Kept by a row trigger on vms in the writer's transaction (an insert adds the VM's row, an update that changes a
 *   carried column updates it, a delete removes it by the foreign key's cascade), under the VM's own row lock as
 *   every write of that VM already is. default_ip is itself kept on vms by the NICs' triggers (migration 0190), whose
 *   update of vms reaches this trigger.
 * - Vacuum at 1% of changes, as for vms (migration 0190).
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await sql`create table vm_search (
    id text primary key references vms (id) on delete cascade,
    search_text text not null,
    default_ip text,
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
    disk_gib integer not null)`.execute(db)
  const columns = sql.join(carried.map((c) => sql.id(c)))
  const of = (row: "old" | "new") => sql.join(carried.map((c) => sql`${sql.raw(row)}.${sql.id(c)}`))
  await sql`create function vm_search_kept() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into vm_search (id, ${columns}) values (new.id, ${of("new")});
      elsif (${of("old")}) is distinct from (${of("new")}) then
        update vm_search set (${columns}) = (select ${of("new")}) where id = new.id;
      end if;
      return null;
    end $$`.execute(db)
  await sql`create trigger vms_search_kept after insert or update on vms
    for each row execute function vm_search_kept()`.execute(db)
  await sql`insert into vm_search (id, ${columns}) select id, ${columns} from vms`.execute(db)
  await sql`create index vm_search_text_trgm_idx on vm_search using gin (search_text gin_trgm_ops)`.execute(db)
  await sql`alter table vm_search set (autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02)`.execute(db)
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await sql`drop trigger vms_search_kept on vms`.execute(db)
  await sql`drop function vm_search_kept()`.execute(db)
  await sql`drop table vm_search`.execute(db)
}

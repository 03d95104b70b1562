import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * L5 totals kept by PostgreSQL as VMs come, go and change (#23), for the lists that filter on nothing but scope,
 * state and flavor: the default list of every portal page. Counting and summing 100,000 VM rows took longer than the
 * whole list may (bench/api-list); summing one row per (company, department, owner, state, flavor, recycled) does
 * not grow with the VM count but with the users.
 *
 * A row trigger on vms appends each change as a delta (−old, +new) to vm_totals_deltas: appending takes no lock
 * that another writer waits for, so concurrent VM writes neither queue behind one totals row nor deadlock on two.
 * A statement trigger then folds the deltas into vm_totals, but only in the one transaction that holds the fold's
 * advisory lock (the others skip: their deltas fold next time), so vm_totals has a single writer at a time. A
 * reader sums vm_totals and the deltas not folded yet, which is exact at its statement's snapshot.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await sql`create table vm_totals (
    company_id text not null, department_id text not null, owner_id text not null, state text not null,
    flavor_id text not null, recycled boolean not null,
    vms bigint not null, cpus bigint not null, memory_mib bigint not null, disk_gib bigint not null,
    primary key (company_id, department_id, owner_id, state, flavor_id, recycled))`.execute(db)
  await sql`create table vm_totals_deltas (
    company_id text not null, department_id text not null, owner_id text not null, state text not null,
    flavor_id text not null, recycled boolean not null,
    vms bigint not null, cpus bigint not null, memory_mib bigint not null, disk_gib bigint not null)`.execute(db)

  await sql`create function vm_totals_delta() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and (old.company_id, old.department_id, old.owner_id, old.state, old.flavor_id,
          old.recycled_at is not null, old.cpus, old.memory_mib, old.disk_gib)
        is not distinct from (new.company_id, new.department_id, new.owner_id, new.state, new.flavor_id,
          new.recycled_at is not null, new.cpus, new.memory_mib, new.disk_gib) then
        return null;
      end if;
      if tg_op in ('UPDATE', 'DELETE') then
        insert into vm_totals_deltas values (old.company_id, old.department_id, old.owner_id, old.state,
          old.flavor_id, old.recycled_at is not null, -1, -old.cpus, -old.memory_mib, -old.disk_gib);
      end if;
      if tg_op in ('UPDATE', 'INSERT') then
        insert into vm_totals_deltas values (new.company_id, new.department_id, new.owner_id, new.state,
          new.flavor_id, new.recycled_at is not null, 1, new.cpus, new.memory_mib, new.disk_gib);
      end if;
      return null;
    end $$`.execute(db)
  await sql`create function vm_totals_fold() returns trigger language plpgsql as $$
    begin
      if not pg_try_advisory_xact_lock(hashtext('hyperx.vm_totals_fold')) then
        return null;
      end if;
      with folded as (delete from vm_totals_deltas returning *)
      insert into vm_totals
        select company_id, department_id, owner_id, state, flavor_id, recycled,
          sum(vms), sum(cpus), sum(memory_mib), sum(disk_gib)
        from folded group by company_id, department_id, owner_id, state, flavor_id, recycled
      on conflict (company_id, department_id, owner_id, state, flavor_id, recycled) do update set
        vms = vm_totals.vms + excluded.vms, cpus = vm_totals.cpus + excluded.cpus,
        memory_mib = vm_totals.memory_mib + excluded.memory_mib, disk_gib = vm_totals.disk_gib + excluded.disk_gib;
      delete from vm_totals where vms = 0;
      return null;
    end $$`.execute(db)
  await sql`create trigger vms_totals_delta after insert or update or delete on vms
    for each row execute function vm_totals_delta()`.execute(db)
  await sql`create trigger vms_totals_fold after insert or update or delete on vms
    for each statement execute function vm_totals_fold()`.execute(db)
  await sql`insert into vm_totals
    select company_id, department_id, owner_id, state, flavor_id, recycled_at is not null,
      count(*), sum(cpus), sum(memory_mib), sum(disk_gib)
    from vms group by 1, 2, 3, 4, 5, 6`.execute(db)
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await sql`drop trigger vms_totals_fold on vms`.execute(db)
  await sql`drop trigger vms_totals_delta on vms`.execute(db)
  await sql`drop function vm_totals_fold()`.execute(db)
  await sql`drop function vm_totals_delta()`.execute(db)
  await sql`drop table vm_totals_deltas`.execute(db)
  await sql`drop table vm_totals`.execute(db)
}

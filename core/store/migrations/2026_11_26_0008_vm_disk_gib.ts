import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * L3/L5: each VM's attached disk GiB, kept on its row so that the list's disk column and the disk total of the
 * filtered set read vms alone: summing the disks of the matching VMs was most of a list request over 10,000 VMs
 * (PGlite, with no statistics, looked the disks up once per VM). The store keeps it in the transaction of every disk
 * write (core/store/disk.repository.ts) and sets it when a VM is inserted with its disks. Not a trigger: that would
 * write each new VM's row a second time per disk, and PGlite, with no autovacuum, would keep the dead copies.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await sql`alter table vms add column disk_gib integer not null default 0`.execute(db)
  await sql`update vms set disk_gib = d.total
    from (select vm_id, sum(size_gib) as total from disks where vm_id is not null group by vm_id) d
    where d.vm_id = vms.id`.execute(db)
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.alterTable("vms").dropColumn("disk_gib").execute()
}

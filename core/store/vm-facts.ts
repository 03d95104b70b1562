import { type Kysely, type RawBuilder, sql } from "kysely"
import { toNumber } from "./codec.ts"
import type { VmFacts } from "./ports.ts"
import type { DB } from "./schema.ts"

type CountRow = { readonly [K in keyof VmFacts]: string | number }

/**
 * The counts the exclusivity rules read (P1, V1, V3, V4, R3) as columns of a select, to embed in another query. A
 * failed snapshot or backup holds nothing on the disk (recovery marks failed only what the hypervisor does not have),
 * so it blocks nothing (#14).
 */
export const vmFactsColumns = (vmId: string): RawBuilder<unknown> => sql`
  (select count(*) from snapshots where vm_id = ${vmId} and state <> 'failed') as "snapshots",
  (select count(*) from schedules where vm_id = ${vmId} and kind = 'vm-snapshot') as "snapshotSchedules",
  (select count(*) from backups
    where state <> 'failed' and disk_id in (select id from disks where vm_id = ${vmId})) as "backups",
  (select count(*) from schedules
    where kind = 'disk-backup' and disk_id in (select id from disks where vm_id = ${vmId})) as "backupSchedules",
  (select count(*) from host_devices where vm_id = ${vmId} and kind = 'gpu') as "gpus",
  (select count(*) from host_devices where vm_id = ${vmId} and kind = 'usb') as "usbDevices"`

/** The counts out of a row that selected vmFactsColumns. */
export const vmFactsOf = (row: Partial<CountRow> | undefined): VmFacts => ({
  snapshots: toNumber(row?.snapshots ?? 0),
  snapshotSchedules: toNumber(row?.snapshotSchedules ?? 0),
  backups: toNumber(row?.backups ?? 0),
  backupSchedules: toNumber(row?.backupSchedules ?? 0),
  gpus: toNumber(row?.gpus ?? 0),
  usbDevices: toNumber(row?.usbDevices ?? 0),
})

/** The counts the exclusivity rules read (P1, V1, V3, V4, R3), in one round trip. */
export const vmFacts = async (db: Kysely<DB>, vmId: string): Promise<VmFacts> => {
  const { rows } = await sql<CountRow>`select ${vmFactsColumns(vmId)}`.execute(db)
  return vmFactsOf(rows[0])
}

import { type Kysely, sql } from "kysely"
import type { OsFamily } from "../model/catalog.ts"
import { HostDevice } from "../model/host.ts"
import type { Disk, Nic, Vm } from "../model/index.ts"
import { codecOf } from "./codec.ts"
import { diskCodec } from "./disk.repository.ts"
import { HyperxCamelCasePlugin } from "./naming.ts"
import { nicCodec } from "./network.repository.ts"
import type { VmFacts } from "./ports.ts"
import type { DB } from "./schema.ts"
import { affinityGroupIdsOf, vmCodec } from "./vm.codec.ts"
import { vmFactsColumns, vmFactsOf } from "./vm-facts.ts"

/** A record the detail view names: its id and name. */
export interface Named {
  readonly id: string
  readonly name: string
}

/**
 * What the detail view (D1–D4) and its action previews read about one VM: the record, its disks, NICs and devices,
 * the counts the rules read, whether its lock is held, the names of what it refers to (null where the record is
 * gone) and its image's traits.
 */
export interface VmDetailReads {
  readonly vm: Vm
  readonly disks: ReadonlyArray<Disk>
  readonly nics: ReadonlyArray<Nic>
  readonly devices: ReadonlyArray<HostDevice>
  readonly facts: VmFacts
  readonly locked: boolean
  /** The operation that holds the lock (vm_locks.operation), while it is held. */
  readonly lockedBy: string | null
  readonly owner: Named | null
  readonly company: Named | null
  readonly department: Named | null
  readonly host: Named | null
  readonly flavor: Named | null
  readonly image: Named | null
  readonly imageTraits: { readonly osFamily: OsFamily; readonly passwordManaged: boolean } | null
}

type Row = Record<string, unknown>

const naming = new HyperxCamelCasePlugin()
const deviceCodec = codecOf(HostDevice)

/**
 * Rows aggregated in SQL (jsonb_agg of to_jsonb) as the table's repository would return them: camelCase keys, and
 * timestamps (JSON text there) as dates.
 */
const rowsOf = <T>(value: unknown, decode: (row: Record<string, unknown>) => T, dates: ReadonlyArray<string>) =>
  (value as ReadonlyArray<Record<string, unknown>>).map((json) => {
    const row = naming.camelRow(json)
    for (const key of dates) if (typeof row[key] === "string") row[key] = new Date(row[key])
    return decode(row)
  })

/** A table's rows of the VM, in its repository's list order, as one jsonb column. */
const rowsColumn = (table: "disks" | "nics" | "host_devices", order: string) =>
  sql`coalesce((select jsonb_agg(to_jsonb(x) order by ${sql.raw(order)}) from ${sql.table(table)} x
    where x.vm_id = vms.id), '[]'::jsonb)`

const named = (id: unknown, name: unknown): Named | null =>
  typeof id === "string" && typeof name === "string" ? { id, name } : null

/**
 * One statement instead of thirteen (bench/load, #14): the VM row with its affinity groups, its counts, its lock, the
 * names of its owner, company, department, host, flavor and image by left joins on their primary keys, and its
 * disks, NICs and host devices as jsonb arrays.
 */
export const vmDetailReads = async (db: Kysely<DB>, id: string): Promise<VmDetailReads | undefined> => {
  const { rows } = await sql<Row>`
    select vms.*, ${affinityGroupIdsOf} as affinity_group_ids, ${vmFactsColumns(id)},
      (select l.operation from vm_locks l where l.vm_id = vms.id and l.holder is not null) as detail_locked_by,
      o.name as detail_owner_name, c.name as detail_company_name, d.name as detail_department_name,
      h.name as detail_host_name, f.name as detail_flavor_name, i.name as detail_image_name,
      i.os_family as detail_os_family, i.password_managed as detail_password_managed,
      ${rowsColumn("disks", "x.created_at, x.id")} as detail_disks,
      ${rowsColumn("nics", "x.created_at, x.id")} as detail_nics,
      ${rowsColumn("host_devices", "x.id")} as detail_devices
    from vms
      left join users o on o.id = vms.owner_id
      left join companies c on c.id = vms.company_id
      left join departments d on d.id = vms.department_id
      left join hosts h on h.id = vms.host_id
      left join flavors f on f.id = vms.flavor_id
      left join images i on i.id = vms.image_id
    where vms.id = ${id}`.execute(db)
  const row = rows[0]
  if (row === undefined) return undefined
  const vm = vmCodec.decode(row)
  return {
    vm,
    disks: rowsOf(row.detailDisks, diskCodec.decode, ["createdAt"]),
    nics: rowsOf(row.detailNics, nicCodec.decode, ["createdAt"]),
    devices: rowsOf(row.detailDevices, deviceCodec.decode, []),
    facts: vmFactsOf(row),
    locked: typeof row.detailLockedBy === "string",
    lockedBy: typeof row.detailLockedBy === "string" ? row.detailLockedBy : null,
    owner: named(vm.ownerId, row.detailOwnerName),
    company: named(vm.companyId, row.detailCompanyName),
    department: named(vm.departmentId, row.detailDepartmentName),
    host: named(vm.hostId, row.detailHostName),
    flavor: named(vm.flavorId, row.detailFlavorName),
    image: named(vm.imageId, row.detailImageName),
    imageTraits:
      row.detailOsFamily === null || row.detailOsFamily === undefined
        ? null
        : { osFamily: row.detailOsFamily as OsFamily, passwordManaged: row.detailPasswordManaged === true },
  }
}

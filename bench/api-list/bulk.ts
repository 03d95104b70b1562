import { type Kysely, sql } from "kysely"
import { allocateIn } from "../../core/store/ipam.repository.ts"
import { HyperxCamelCasePlugin } from "../../core/store/naming.ts"
import type { VmBundle } from "../../core/store/ports.ts"
import type { DB } from "../../core/store/schema.ts"
import { defaultIps } from "../../core/store/vm.repository.ts"

const naming = new HyperxCamelCasePlugin()

/**
 * Rows of one table in one statement whatever their number: the rows go as one JSON parameter, which
 * jsonb_populate_recordset turns into the table's row type (a multi-row VALUES would stop at PostgreSQL's 65,535
 * parameters, ~1,600 VMs). The rows are model values (jsonb fields as values, not JSON text), all with the same keys.
 */
const insertRows = async (db: Kysely<DB>, table: string, rows: ReadonlyArray<Record<string, unknown>>) => {
  const first = rows[0]
  if (first === undefined) return
  const columns = Object.keys(naming.snakeRow(first)).map((column) => sql.id(column))
  const list = sql.join(columns)
  const json = JSON.stringify(rows.map((row) => naming.snakeRow(row)))
  await sql`insert into ${sql.table(table)} (${list})
    select ${list} from jsonb_populate_recordset(null::${sql.table(table)}, ${json}::jsonb)`.execute(db)
}

/**
 * VMs with their disks and NICs, thousands at a time, for the bench's seed: what VmRepository.insertBundles writes
 * (the VMs' disk GiB and default IP, IPAM's ledger through its own allocateIn, the kept totals by their triggers), without its
 * parameter limit: batches of 500 VMs, each reading the whole ledger, took ~8 minutes for 100,000 VMs; batches of
 * 5,000 take 2–5 s each on this machine.
 */
export const insertBundlesBulk = (db: Kysely<DB>, bundles: ReadonlyArray<VmBundle>) =>
  db.transaction().execute(async (trx) => {
    const diskGiB = new Map<string, number>()
    for (const disk of bundles.flatMap((bundle) => bundle.disks)) {
      if (disk.vmId !== null) diskGiB.set(disk.vmId, (diskGiB.get(disk.vmId) ?? 0) + disk.sizeGiB)
    }
    const nics = bundles.flatMap((bundle) => bundle.nics)
    await allocateIn(
      trx,
      nics.map((nic) => ({ subnetId: nic.subnetId, nicId: nic.id, kind: "primary" as const, address: nic.primaryIp })),
    )
    const defaultIp = defaultIps(nics)
    await insertRows(
      trx,
      "vms",
      bundles.map(({ vm: { affinityGroupIds: _, ...vm } }) => ({
        ...vm,
        diskGiB: diskGiB.get(vm.id) ?? 0,
        defaultIp: defaultIp.get(vm.id) ?? null,
      })),
    )
    await insertRows(
      trx,
      "disks",
      bundles.flatMap((bundle) => bundle.disks),
    )
    await insertRows(trx, "nics", nics)
  })

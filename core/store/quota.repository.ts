import { Effect } from "effect"
import { type Kysely, sql } from "kysely"
import type { Quota, QuotaUsage } from "../model/index.ts"
import { toNumber } from "./codec.ts"
import type { QuotaRepository } from "./ports.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"

const unlimited = (departmentId: string): Quota => ({
  departmentId,
  cpus: null,
  memoryMiB: null,
  diskGiB: null,
  vmCount: null,
})

type UsageRow = { readonly [K in keyof QuotaUsage]: string | number }

/** The department's quota; a department without a row is unlimited. Also used inside an admission's transaction. */
export const quotaOf = async (db: Kysely<DB>, departmentId: string): Promise<Quota> =>
  (await db.selectFrom("quotas").selectAll().where("departmentId", "=", departmentId).executeTakeFirst()) ??
  unlimited(departmentId)

// G2: recycled VMs still hold their resources until purged; a disk counts once, whether the department owns it
// or one of its VMs has it attached.
/** What the department's VMs and disks use now. Also used inside an admission's transaction. */
export const usageOf = async (db: Kysely<DB>, departmentId: string): Promise<QuotaUsage> => {
  const { rows } = await sql<UsageRow>`
    select
      (select coalesce(sum(cpus), 0) from vms where department_id = ${departmentId}) as "cpus",
      (select coalesce(sum(memory_mib), 0) from vms where department_id = ${departmentId}) as "memoryMiB",
      (select coalesce(sum(size_gib), 0) from disks
        where department_id = ${departmentId}
           or vm_id in (select id from vms where department_id = ${departmentId})) as "diskGiB",
      (select count(*) from vms where department_id = ${departmentId}) as "vmCount"
  `.execute(db)
  const row = rows[0]
  return {
    cpus: toNumber(row?.cpus ?? 0),
    memoryMiB: toNumber(row?.memoryMiB ?? 0),
    diskGiB: toNumber(row?.diskGiB ?? 0),
    vmCount: toNumber(row?.vmCount ?? 0),
  }
}

export const makeQuotaRepository = (db: Kysely<DB>): QuotaRepository => {
  const get = Effect.fn("quota.get")(function* (departmentId: string) {
    return yield* run("quota.get", () => quotaOf(db, departmentId))
  })

  const set = Effect.fn("quota.set")(function* (quota: Quota) {
    const { departmentId, cpus, memoryMiB, diskGiB, vmCount } = quota
    const limits = { cpus, memoryMiB, diskGiB, vmCount }
    return yield* run("quota.set", () =>
      db
        .insertInto("quotas")
        .values({ departmentId, ...limits })
        .onConflict((conflict) => conflict.column("departmentId").doUpdateSet(limits))
        .returningAll()
        .executeTakeFirstOrThrow(),
    )
  })

  const usage = Effect.fn("quota.usage")(function* (departmentId: string) {
    return yield* run("quota.usage", () => usageOf(db, departmentId))
  })

  return { get, set, usage }
}

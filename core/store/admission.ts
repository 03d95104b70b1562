import { type Kysely, sql } from "kysely"
import type { RuleViolation } from "../errors.ts"
import type { Quota, QuotaUsage } from "../model/index.ts"
import { toNumber } from "./codec.ts"
import { quotaOf, usageOf } from "./quota.repository.ts"
import type { DB } from "./schema.ts"

/** The department's quota and usage, and the host's load, as they are inside the insert's transaction. */
export interface AdmissionFigures {
  readonly quota: Quota
  readonly usage: QuotaUsage
  readonly hostCpusUsed: number
  readonly hostMemoryMiBUsed: number
}

/**
 * What must still hold when new VMs go in (G2, C3, C8). Checked inside the insert's transaction while it holds the
 * department's and the host's locks, so parallel creates (on one agent or on several sharing the database) cannot
 * all pass on the same free room: the second waits for the first to commit, then sees its rows.
 */
export interface Admission {
  readonly departmentId: string
  readonly hostId: string
  /** The refusal when the VMs no longer fit, or undefined. Pure: it runs inside the transaction. */
  readonly refusal: (figures: AdmissionFigures) => RuleViolation | undefined
}

/**
 * Transaction-scoped advisory locks, always department before host so that two admissions never wait on each other
 * in opposite orders. The 32-bit hash may let two departments share a lock: that serialises them, nothing worse.
 */
const lock = (trx: Kysely<DB>, key: string) => sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx)

/** Hold the admission's locks for the rest of the transaction and check it against fresh figures. */
export const admit = async (trx: Kysely<DB>, admission: Admission): Promise<RuleViolation | undefined> => {
  await lock(trx, `hyperx.department:${admission.departmentId}`)
  await lock(trx, `hyperx.host:${admission.hostId}`)
  const load = await trx
    .selectFrom("vms")
    .select([sql<string>`coalesce(sum(cpus), 0)`.as("cpus"), sql<string>`coalesce(sum(memory_mib), 0)`.as("memory")])
    .where("hostId", "=", admission.hostId)
    .where("recycledAt", "is", null)
    .executeTakeFirstOrThrow()
  return admission.refusal({
    quota: await quotaOf(trx, admission.departmentId),
    usage: await usageOf(trx, admission.departmentId),
    hostCpusUsed: toNumber(load.cpus),
    hostMemoryMiBUsed: toNumber(load.memory),
  })
}

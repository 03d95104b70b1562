import { type Kysely, sql } from "kysely"
import type { RuleViolation } from "../errors.ts"
import type { Quota, QuotaUsage, VmState } from "../model/index.ts"
import { toNumber } from "./codec.ts"
import { quotaOf, usageOf } from "./quota.repository.ts"
import type { DB } from "./schema.ts"

/** The department's quota and usage, and the host's load, as they are inside the insert's transaction. */
export interface AdmissionFigures {
  readonly quota: Quota
  readonly usage: QuotaUsage
  /** What the host's VMs (recycled ones left out) hold, summed by state: the caller applies its capacity policy. */
  readonly hostByState: ReadonlyArray<{ readonly state: VmState; readonly cpus: number; readonly memoryMiB: number }>
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
  const byState = await trx
    .selectFrom("vms")
    .select(["state", sql<string>`sum(cpus)`.as("cpus"), sql<string>`sum(memory_mib)`.as("memory")])
    .where("hostId", "=", admission.hostId)
    .where("recycledAt", "is", null)
    .groupBy("state")
    .execute()
  return admission.refusal({
    quota: await quotaOf(trx, admission.departmentId),
    usage: await usageOf(trx, admission.departmentId),
    hostByState: byState.map((row) => ({
      state: row.state as VmState,
      cpus: toNumber(row.cpus),
      memoryMiB: toNumber(row.memory),
    })),
  })
}

import { Effect } from "effect"
import type { QuotaDemand } from "../rules/quota.ts"
import { Store } from "../store/ports.ts"

const nothingUsed = { cpus: 0, memoryMiB: 0, diskGiB: 0, vmCount: 0 }

/**
 * G2: the department's quota and what it uses now, read together, with what the operation adds (QuotaContext). A
 * demand that adds nothing (a smaller flavor, or a preview before the size is chosen) always fits (fitsQuota), so
 * nothing is read for it: the VM detail previews these operations on every request.
 */
export const quotaContext = (departmentId: string, demand: QuotaDemand) => {
  if (Object.values(demand).every((asked) => asked <= 0)) {
    const quota = { departmentId, cpus: null, memoryMiB: null, diskGiB: null, vmCount: null }
    return Effect.succeed({ quota, usage: nothingUsed, demand })
  }
  return Store.use((store) =>
    Effect.all([store.quotas.get(departmentId), store.quotas.usage(departmentId)], { concurrency: "unbounded" }),
  ).pipe(Effect.map(([quota, usage]) => ({ quota, usage, demand })))
}

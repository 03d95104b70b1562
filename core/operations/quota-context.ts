import { Effect } from "effect"
import type { QuotaDemand } from "../rules/quota.ts"
import { Store } from "../store/ports.ts"

/** G2: the department's quota and what it uses now, read together, with what the operation adds (QuotaContext). */
export const quotaContext = (departmentId: string, demand: QuotaDemand) =>
  Store.use((store) =>
    Effect.all([store.quotas.get(departmentId), store.quotas.usage(departmentId)], { concurrency: "unbounded" }),
  ).pipe(Effect.map(([quota, usage]) => ({ quota, usage, demand })))

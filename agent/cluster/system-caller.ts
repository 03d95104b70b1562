import type { Actor } from "../../core/rules/context.ts"

/**
 * The platform itself (the leader's failover, R12) as the caller of a forward. Accepted only on the cluster's own
 * routes, which build the actor they act as from the VM (as the scheduler's runs are recorded).
 */
export const systemCaller: Actor = { userId: "system", role: "superadmin", companyId: "", departmentId: "" }

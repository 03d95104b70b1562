import { holdsCapacity } from "../cluster/host-usage.ts"
import type { StoppedVmPolicy } from "../cluster/settings.ts"
import type { Host } from "../model/index.ts"
import type { Operation } from "../model/operation.ts"
import { hostFits } from "../placement/choose-host.ts"
import { hostAvailable } from "../rules/placement.ts"
import { type QuotaDemand, quotaRules } from "../rules/quota.ts"
import { firstRefusal, violation } from "../rules/rule.ts"
import type { Admission } from "../store/admission.ts"

/** What new VMs ask of their host: each one's CPUs and memory, and how many. */
export interface HostDemand {
  readonly cpus: number
  readonly memoryMiB: number
  readonly count: number
}

/**
 * G2: the department's quota for what an operation adds (a disk, a resize's difference), checked again where its write
 * goes in, under the database's locks, so that parallel operations cannot all pass on the same free quota.
 */
export const quotaAdmission = (
  operation: Operation,
  departmentId: string,
  hostId: string,
  demand: QuotaDemand,
): Admission => ({
  departmentId,
  hostId,
  refusal: ({ quota, usage }) => {
    const quotaContext = { quota, usage, demand }
    const overQuota = firstRefusal(quotaRules, quotaContext)
    return overQuota === undefined ? undefined : violation(operation, overQuota, quotaContext)
  },
})

/**
 * G2, C3, C8, R8: new VMs' quota and their host's room, checked again where the rows go in, under the database's
 * locks. The first check reads without locks and gives the usual answers; this one makes them hold when creates and
 * clones run in parallel, in one agent or in several on one database.
 */
export const vmAdmission = (
  operation: Operation,
  departmentId: string,
  demand: QuotaDemand,
  host: Host,
  room: HostDemand,
  policy: StoppedVmPolicy,
): Admission => ({
  departmentId,
  hostId: host.id,
  refusal: (figures) => {
    const overQuota = quotaAdmission(operation, departmentId, host.id, demand).refusal(figures)
    if (overQuota !== undefined) return overQuota
    const { hostByState } = figures
    // The same stopped-VM policy as placement (hostLoads), so that the two never disagree on a host's room.
    const holding = hostByState.filter(({ state }) => holdsCapacity({ state, recycledAt: null }, policy))
    const load = {
      host,
      cpusUsed: holding.reduce((sum, group) => sum + group.cpus, 0),
      memoryMiBUsed: holding.reduce((sum, group) => sum + group.memoryMiB, 0),
    }
    return hostFits(load, room)
      ? undefined
      : violation(operation, hostAvailable, { host: undefined, count: room.count })
  },
})

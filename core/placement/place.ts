import type { Host } from "../model/host.ts"
import { type Candidate, freeCpus, freeMemoryMiB, type PlacementRequest } from "./candidate.ts"
import { type Constraint, constraintsFor } from "./constraints.ts"

/** The hosts one constraint ruled out (each host is listed under the first constraint it fails). */
export interface Exclusion {
  readonly constraint: Constraint
  readonly hostIds: ReadonlyArray<string>
}

export type Placement =
  | { readonly _tag: "Placed"; readonly host: Host; readonly excluded: ReadonlyArray<Exclusion> }
  | {
      readonly _tag: "Refused"
      /** The constraint that ruled out the last hosts left: its rule names the refusal. */
      readonly refusedBy: Constraint
      readonly excluded: ReadonlyArray<Exclusion>
    }

/**
 * Order among hosts that qualify: a department's own dedicated host only when no shared host qualifies (C3, for a
 * request not asking for it), then the most free memory, then the most free CPUs, then the id (so the answer is
 * the same on every agent).
 */
const better = (request: PlacementRequest) => (a: Candidate, b: Candidate) => {
  const ownA = !request.dedicated && a.host.dedicatedDepartmentId !== null ? 1 : 0
  const ownB = !request.dedicated && b.host.dedicatedDepartmentId !== null ? 1 : 0
  return (
    ownA - ownB ||
    freeMemoryMiB(b) - freeMemoryMiB(a) ||
    freeCpus(b) - freeCpus(a) ||
    (a.host.id < b.host.id ? -1 : a.host.id > b.host.id ? 1 : 0)
  )
}

/**
 * Placement (C3, C8, R10, R12): the host with the most free resources among those that satisfy every constraint,
 * or a refusal naming the constraint that ruled out the last hosts and, for each constraint, the hosts it ruled
 * out. Pure: the same candidates and request give the same answer on every agent.
 */
export const place = (candidates: ReadonlyArray<Candidate>, request: PlacementRequest): Placement => {
  const departmentHasDedicated = candidates.some((c) => c.host.dedicatedDepartmentId === request.departmentId)
  const placedGroups = new Set<string>()
  for (const c of candidates) for (const g of c.groupIds) placedGroups.add(g)
  const setting = { departmentHasDedicated }
  const constraints = constraintsFor(placedGroups)
  const excluded: Array<Exclusion> = []
  let pool = candidates
  let refusedBy = constraints[constraints.length - 1] as Constraint
  for (const constraint of constraints) {
    const kept: Array<Candidate> = []
    const out: Array<string> = []
    for (const c of pool) {
      if (constraint.admits(c, request, setting)) kept.push(c)
      else out.push(c.host.id)
    }
    if (out.length > 0) excluded.push({ constraint, hostIds: out })
    if (kept.length === 0 && pool.length > 0) refusedBy = constraint
    pool = kept
  }
  if (pool.length === 0) return { _tag: "Refused", refusedBy, excluded }
  let best = pool[0] as Candidate
  const order = better(request)
  for (const c of pool) if (order(c, best) < 0) best = c
  return { _tag: "Placed", host: best.host, excluded }
}

import type { Candidate, PlacementRequest } from "./candidate.ts"
import type { Constraint } from "./constraints.ts"
import { constraintsOver } from "./place.ts"

/**
 * What a stopped VM's own host is asked again at its start (#16): its affinity groups (R10, applied at the next
 * start) and, under the `release` policy, room for it. The host's state, zone, networks and dedication are not: a VM
 * starts where it is on a drained host, and a down host is left by another path (relocate).
 */
const askedAtStart: ReadonlySet<string> = new Set(["affinity-group", "anti-affinity-group", "no-host-capacity"])

/**
 * The first constraint the VM's host `hostId` fails for `request`, or undefined when the VM may start there. The
 * candidates must leave the VM itself out (its own group membership and holding are not a conflict with itself).
 * Pure, like `place`.
 */
export const brokenAtStart = (
  candidates: ReadonlyArray<Candidate>,
  request: PlacementRequest,
  hostId: string,
): Constraint | undefined => {
  const here = candidates.find((c) => c.host.id === hostId)
  if (here === undefined) return undefined
  const { setting, constraints } = constraintsOver(candidates, request)
  return constraints.find((c) => askedAtStart.has(c.rule) && !c.admits(here, request, setting))
}

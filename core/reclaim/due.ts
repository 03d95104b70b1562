import type { ReclaimCandidate, ReclaimStep } from "./model.ts"

const dayMs = 86_400_000

/**
 * R5: the step a VM's reclaim date calls for at `now`, if any. The reminder goes out from `noticeDays` before the
 * date; at the date the expiry step runs once. A reminder never sent before the date (the agent was down through the
 * whole notice window) is not sent late: the expiry step's mail tells the user instead.
 */
export const dueStep = (candidate: ReclaimCandidate, now: Date): ReclaimStep | undefined => {
  const at = now.getTime()
  const date = candidate.reclaimAt.getTime()
  if (candidate.done.includes("expired")) return undefined
  if (at >= date) return "expired"
  if (at >= date - candidate.noticeDays * dayMs && !candidate.done.includes("notice")) return "notice"
  return undefined
}

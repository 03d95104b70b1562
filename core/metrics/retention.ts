import { Duration, Effect } from "effect"
import { now } from "../operations/clock.ts"
import { Store } from "../store/ports.ts"
import type { MetricsPolicy } from "./policy.ts"

/** Roll-ups look this far back, so a round missed while the agent was down (up to a day) is still rolled up. */
const rollUpWindow = Duration.days(1)

/**
 * Roll raw samples up into five-minute averages (every bucket that has ended), then drop raw samples older than
 * the raw retention and averages older than theirs. Idempotent: a second run with the same clock changes nothing.
 */
export const maintainSamples = Effect.fn("metrics.maintainSamples")(function* (policy: MetricsPolicy) {
  const store = yield* Store
  const at = yield* now
  const ago = (duration: Duration.Duration) => new Date(at.getTime() - Duration.toMillis(duration))
  const rolledUp = yield* store.metrics.rollUp(ago(Duration.min(rollUpWindow, policy.rawRetention)), at)
  const rawDeleted = yield* store.metrics.prune("raw", ago(policy.rawRetention))
  const rolledDeleted = yield* store.metrics.prune("5m", ago(policy.rolledRetention))
  return { rolledUp, rawDeleted, rolledDeleted }
})

import { Duration } from "effect"
import type { Host, HostState } from "../model/host.ts"

/** How old a heartbeat may grow before its host reads suspect, then down. */
export interface HeartbeatTimeouts {
  /** An agent heartbeats this often. */
  readonly interval: Duration.Duration
  /** A heartbeat older than this: suspect (no new placements; not yet treated as failed). */
  readonly suspectAfter: Duration.Duration
  /** A heartbeat older than this: down. */
  readonly downAfter: Duration.Duration
}

/**
 * Defaults: a heartbeat every 2 s; suspect after 3 missed, down after 10 s. A busy 2-core machine stalls an event
 * loop for well under a second, so three missed beats are not noise; 10 s leaves HA (#16) most of its 30 s budget.
 */
export const defaultTimeouts: HeartbeatTimeouts = {
  interval: Duration.seconds(2),
  suspectAfter: Duration.seconds(6),
  downAfter: Duration.seconds(10),
}

/**
 * How long a host whose agent stopped gracefully (its guests run on) reads suspect rather than down: time for a
 * restart or an upgrade of the agent, during which its VMs are neither failed over nor given new neighbours. A host
 * still without its agent after that reads down, and HA restarts its VMs elsewhere (the host may have been shut down
 * after its agent).
 */
export const agentRestartGrace = Duration.minutes(5)

/**
 * The state a host reads at `at`. Maintenance and a hand-set down win. A host that never heartbeat (a row made by
 * hand or by a seed, with no agent of its own) reads its stored state, as before the cluster existed. A host whose
 * agent stopped gracefully after its last beat reads suspect until the restart grace is over.
 */
export const hostStateAt = (
  host: Pick<Host, "state" | "heartbeatAt" | "agentStoppedAt">,
  at: Date,
  timeouts: HeartbeatTimeouts = defaultTimeouts,
): HostState => {
  if (host.state !== "up" || host.heartbeatAt === null) return host.state
  const age = at.getTime() - host.heartbeatAt.getTime()
  if (age > Duration.toMillis(timeouts.downAfter)) {
    const stopped = host.agentStoppedAt
    const restarting = stopped !== null && at.getTime() - stopped.getTime() <= Duration.toMillis(agentRestartGrace)
    return restarting ? "suspect" : "down"
  }
  if (age > Duration.toMillis(timeouts.suspectAfter)) return "suspect"
  return "up"
}

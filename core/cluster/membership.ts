import { Duration, Effect, Layer, Schedule } from "effect"
import { HostConfig } from "../config.ts"
import type { Host } from "../model/host.ts"
import { now } from "../operations/clock.ts"
import type { Actor } from "../rules/context.ts"
import { maintenanceRules } from "../rules/hosts.ts"
import { checkRules } from "../rules/rule.ts"
import { Store } from "../store/ports.ts"
import { hostStateAt } from "./host-state.ts"
import { ClusterSettings } from "./settings.ts"

/** This agent's host says it is alive: heartbeatAt = now (on Effect's clock, so tests move it). */
export const heartbeat = Effect.fn("cluster.heartbeat")(function* () {
  const store = yield* Store
  const config = yield* HostConfig
  return yield* store.hosts.update(config.hostId, { heartbeatAt: yield* now })
})

/**
 * Heartbeats every `timeouts.interval` for as long as the agent runs. A beat that fails (the database away) is
 * logged and the next one comes: the host reads suspect, then down, on every other agent meanwhile.
 */
export const runHeartbeats = Effect.gen(function* () {
  const { timeouts } = yield* ClusterSettings
  yield* heartbeat().pipe(
    Effect.catchCause((cause) => Effect.logWarning("heartbeat failed", cause)),
    Effect.repeat(Schedule.spaced(Duration.toMillis(timeouts.interval))),
  )
})

/**
 * #16 R12: the agent stops gracefully and leaves its guests running: the other agents read its host suspect, not
 * down, for the restart grace (host-state.ts), so they neither fail its VMs over nor place new ones there. The next
 * start of the agent clears the mark (seed).
 */
export const markAgentStopped = Effect.fn("cluster.markAgentStopped")(function* () {
  const store = yield* Store
  const config = yield* HostConfig
  yield* store.hosts.update(config.hostId, { agentStoppedAt: yield* now })
})

/** The heartbeat as a layer: started with the agent, stopped with it. */
export const HeartbeatLayer = Layer.effectDiscard(Effect.forkScoped(runHeartbeats))

/** A host as read now: its state from the heartbeat's age and the maintenance flag (up, suspect, down, maintenance). */
export const hostNow = Effect.fn("cluster.hostNow")(function* (host: Host) {
  const { timeouts } = yield* ClusterSettings
  const at = yield* now
  const read: Host = { ...host, state: hostStateAt(host, at, timeouts) }
  return read
})

/**
 * #16: a superadmin drains a host (maintenance: no new placements; its VMs keep running) or brings it back (up;
 * it reads suspect or down again if its agent stopped heartbeating meanwhile).
 */
export const setMaintenance = Effect.fn("cluster.setMaintenance")(function* (
  actor: Actor,
  hostId: string,
  on: boolean,
) {
  const store = yield* Store
  const host = yield* store.hosts.get(hostId)
  yield* checkRules("host.maintenance", maintenanceRules, { actor, host, on })
  const updated = yield* store.hosts.update(hostId, { state: on ? "maintenance" : "up" })
  return yield* hostNow(updated)
})

import { Duration, Effect, Layer, Schema } from "effect"
import { HostConfig } from "../config.ts"
import { now } from "../operations/clock.ts"
import { Store } from "../store/ports.ts"
import { defaultTimeouts, type HeartbeatTimeouts, hostStateAt } from "./host-state.ts"
import { ClusterSettings } from "./settings.ts"

/** The heartbeat timeouts an operator asked for (`--host-suspect-after`, `--host-down-after`), in whole seconds. */
export interface AskedTimeouts {
  readonly suspectAfterSeconds?: number | undefined
  readonly downAfterSeconds?: number | undefined
}

/**
 * An agent told other timeouts than the cluster's while another of its hosts is up: it must not start, since a host
 * it reads down would still read up elsewhere (HA would restart VMs that another agent has not fenced yet).
 */
export class TimeoutsMismatch extends Schema.TaggedError<TimeoutsMismatch>()("TimeoutsMismatch", {
  message: Schema.String,
}) {}

const seconds = (duration: Duration.Duration) => Math.round(Duration.toSeconds(duration))

const timeoutsOf = (suspectAfterSeconds: number, downAfterSeconds: number): HeartbeatTimeouts => ({
  interval: defaultTimeouts.interval,
  suspectAfter: Duration.seconds(suspectAfterSeconds),
  downAfter: Duration.seconds(downAfterSeconds),
})

/**
 * #16, R12: the timeouts this agent runs with, the same on every agent of the cluster, kept in the database's
 * `cluster_settings` row. The first agent to start writes its own (asked, else the defaults 6/10). An agent asked
 * for nothing takes the row's. An agent asked for other values than the row's rewrites the row when no other host
 * is up (reads up or suspect by the row's timeouts: the whole cluster is being restarted with new values), and
 * refuses to start otherwise, naming both.
 */
export const agreeOnTimeouts = Effect.fn("cluster.agreeOnTimeouts")(function* (asked: AskedTimeouts) {
  const store = yield* Store
  const { hostId } = yield* HostConfig
  const at = yield* now
  const wanted = {
    suspectAfterSeconds: asked.suspectAfterSeconds ?? seconds(defaultTimeouts.suspectAfter),
    downAfterSeconds: asked.downAfterSeconds ?? seconds(defaultTimeouts.downAfter),
  }
  const stored = yield* store.clusterSettings.setIfAbsent({ ...wanted, setByHostId: hostId, updatedAt: at })
  const askedAny = asked.suspectAfterSeconds !== undefined || asked.downAfterSeconds !== undefined
  const same =
    stored.suspectAfterSeconds === wanted.suspectAfterSeconds && stored.downAfterSeconds === wanted.downAfterSeconds
  if (!askedAny || same) return timeoutsOf(stored.suspectAfterSeconds, stored.downAfterSeconds)
  const current = timeoutsOf(stored.suspectAfterSeconds, stored.downAfterSeconds)
  const othersUp = (yield* store.hosts.list()).filter(
    (host) => host.id !== hostId && ["up", "suspect"].includes(hostStateAt(host, at, current)),
  )
  if (othersUp.length > 0) {
    return yield* new TimeoutsMismatch({
      message:
        `The cluster's hosts read suspect after ${stored.suspectAfterSeconds} s and down after ` +
        `${stored.downAfterSeconds} s (set by host ${stored.setByHostId}); this agent was told ` +
        `${wanted.suspectAfterSeconds} s and ${wanted.downAfterSeconds} s while ${othersUp.map((h) => h.name).join(", ")} ` +
        "is up. Start it without --host-suspect-after/--host-down-after to use the cluster's, or stop every agent " +
        "and start them all with the new values.",
    })
  }
  yield* store.clusterSettings.set({ ...wanted, setByHostId: hostId, updatedAt: at })
  return timeoutsOf(wanted.suspectAfterSeconds, wanted.downAfterSeconds)
})

/** The agent's ClusterSettings: `rest` as given, the timeouts agreed with the cluster's row when the layer is built. */
export const clusterSettingsLayer = (rest: Omit<ClusterSettings, "timeouts">, asked: AskedTimeouts) =>
  Layer.effect(
    ClusterSettings,
    agreeOnTimeouts(asked).pipe(Effect.map((timeouts): ClusterSettings => ({ ...rest, timeouts }))),
  )

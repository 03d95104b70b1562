import { Duration, Effect, Layer, Schema } from "effect"
import { HostConfig } from "../config.ts"
import { now } from "../operations/clock.ts"
import { Store } from "../store/ports.ts"
import { defaultTimeouts, type HeartbeatTimeouts, hostStateAt } from "./host-state.ts"
import { ClusterSettings, type StoppedVmPolicy } from "./settings.ts"

/**
 * What an operator asked for: `--host-suspect-after`, `--host-down-after` (whole seconds), `--stopped-vms`; unset:
 * the cluster's.
 */
export interface AskedSettings {
  readonly suspectAfterSeconds?: number | undefined
  readonly downAfterSeconds?: number | undefined
  readonly stoppedVms?: StoppedVmPolicy | undefined
}

/**
 * An agent told other settings than the cluster's while another of its hosts is up: it must not start, since a host
 * it reads down would still read up elsewhere (HA would restart VMs another agent has not fenced yet), or it would
 * count a host's capacity otherwise than the others do.
 */
export class SettingsMismatch extends Schema.TaggedError<SettingsMismatch>()("SettingsMismatch", {
  message: Schema.String,
}) {}

const seconds = (duration: Duration.Duration) => Math.round(Duration.toSeconds(duration))

const timeoutsOf = (suspectAfterSeconds: number, downAfterSeconds: number): HeartbeatTimeouts => ({
  interval: defaultTimeouts.interval,
  suspectAfter: Duration.seconds(suspectAfterSeconds),
  downAfter: Duration.seconds(downAfterSeconds),
})

interface Shared {
  readonly suspectAfterSeconds: number
  readonly downAfterSeconds: number
  readonly stoppedVms: StoppedVmPolicy
}

const describe = (s: Shared) =>
  `suspect after ${s.suspectAfterSeconds} s, down after ${s.downAfterSeconds} s, stopped VMs ${s.stoppedVms}`

const agreed = (s: Shared) => ({
  timeouts: timeoutsOf(s.suspectAfterSeconds, s.downAfterSeconds),
  stoppedVms: s.stoppedVms,
})

/**
 * #16, R12: the settings this agent runs with, the same on every agent of the cluster, kept in the database's
 * `cluster_settings` row. The first agent to start writes its own (asked, else the defaults: 6 s, 10 s, hold). An
 * agent asked for nothing takes the row's; what it was not asked keeps the row's value. An agent asked for other
 * values than the row's rewrites the row when no other host is up (reads up or suspect by the row's timeouts: the
 * whole cluster is being restarted with new values), and refuses to start otherwise, naming both.
 */
export const agreeOnSettings = Effect.fn("cluster.agreeOnSettings")(function* (asked: AskedSettings) {
  const store = yield* Store
  const { hostId } = yield* HostConfig
  const at = yield* now
  const first: Shared = {
    suspectAfterSeconds: asked.suspectAfterSeconds ?? seconds(defaultTimeouts.suspectAfter),
    downAfterSeconds: asked.downAfterSeconds ?? seconds(defaultTimeouts.downAfter),
    stoppedVms: asked.stoppedVms ?? "hold",
  }
  const stored = yield* store.clusterSettings.setIfAbsent({ ...first, setByHostId: hostId, updatedAt: at })
  const wanted: Shared = {
    suspectAfterSeconds: asked.suspectAfterSeconds ?? stored.suspectAfterSeconds,
    downAfterSeconds: asked.downAfterSeconds ?? stored.downAfterSeconds,
    stoppedVms: asked.stoppedVms ?? stored.stoppedVms,
  }
  if (describe(wanted) === describe(stored)) return agreed(stored)
  const current = timeoutsOf(stored.suspectAfterSeconds, stored.downAfterSeconds)
  const othersUp = (yield* store.hosts.list()).filter(
    (host) => host.id !== hostId && ["up", "suspect"].includes(hostStateAt(host, at, current)),
  )
  if (othersUp.length > 0) {
    return yield* new SettingsMismatch({
      message:
        `The cluster's settings are: ${describe(stored)} (set by host ${stored.setByHostId}); this agent was told: ` +
        `${describe(wanted)}, while ${othersUp.map((h) => h.name).join(", ")} is up. Start it without ` +
        "--host-suspect-after, --host-down-after and --stopped-vms to use the cluster's, or stop every agent and " +
        "start them all with the new values.",
    })
  }
  yield* store.clusterSettings.set({ ...wanted, setByHostId: hostId, updatedAt: at })
  return agreed(wanted)
})

/** The agent's ClusterSettings: `rest` as given, timeouts and policy agreed with the cluster's row when built. */
export const clusterSettingsLayer = (rest: Pick<ClusterSettings, "sharedStorageDir">, asked: AskedSettings) =>
  Layer.effect(
    ClusterSettings,
    agreeOnSettings(asked).pipe(Effect.map((settings): ClusterSettings => ({ ...rest, ...settings }))),
  )

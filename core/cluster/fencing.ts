import { Clock, Duration, Effect, Layer, Ref, Schedule } from "effect"
import { DriverRegistry } from "../driver/registry.ts"
import type { HeartbeatTimeouts } from "./host-state.ts"
import { heartbeat } from "./membership.ts"
import { ClusterSettings } from "./settings.ts"

/**
 * When an agent that could not renew its heartbeat stops its VMs: two intervals before the others read its host
 * down (6 s with the defaults, 4 s before the 10 s), so that the leader, which restarts the host's HA VMs only once
 * it reads down, never finds them still running here (R12; Proxmox's watchdog fences the same way).
 */
export const fenceAfter = (timeouts: HeartbeatTimeouts) =>
  Duration.subtract(timeouts.downAfter, Duration.times(timeouts.interval, 2))

/** Every domain the hypervisors of this host run, powered off at once; what could not be is logged. */
const fence = Effect.gen(function* () {
  const registry = yield* DriverRegistry
  let stopped = 0
  for (const driver of registry.all) {
    const domains = yield* driver.list().pipe(Effect.orElseSucceed(() => []))
    for (const domain of domains) {
      if (domain.power === "stopped") continue
      yield* driver.shutdown(domain.name, { force: true, timeoutMs: 0 }).pipe(
        Effect.andThen(
          Effect.sync(() => {
            stopped++
          }),
        ),
        Effect.catch((error) => Effect.logError(`self-fencing could not stop ${domain.name}`, error)),
      )
    }
  }
  yield* Effect.logWarning(`self-fencing: the heartbeat lease could not be renewed; ${stopped} VM(s) powered off`)
  return stopped
})

/**
 * #16, R12: the heartbeat of an agent in a cluster, with self-fencing. A beat must be written within one interval;
 * once none has been for `fenceAfter`, the agent powers off every VM of its host (once per outage), since the
 * leader will soon restart the HA ones elsewhere on the shared storage. When the database answers again the beats
 * resume; the records of the fenced VMs are brought in line by the driver's events (an outside power-off) or, for
 * VMs moved meanwhile, belong to their new host.
 */
export const runFencedHeartbeats = Effect.gen(function* () {
  const { timeouts } = yield* ClusterSettings
  const limit = Duration.toMillis(fenceAfter(timeouts))
  const lastBeat = yield* Ref.make(yield* Clock.currentTimeMillis)
  const fenced = yield* Ref.make(false)
  const beat = heartbeat().pipe(
    Effect.timeout(timeouts.interval),
    Effect.andThen(() => Clock.currentTimeMillis),
    Effect.tap((at) => Ref.set(lastBeat, at)),
    Effect.tap(() => Ref.set(fenced, false)),
    Effect.catchCause((cause) =>
      Effect.gen(function* () {
        yield* Effect.logWarning("heartbeat failed", cause)
        const at = yield* Clock.currentTimeMillis
        if (at - (yield* Ref.get(lastBeat)) >= limit && !(yield* Ref.get(fenced))) {
          yield* Ref.set(fenced, true)
          yield* fence
        }
      }),
    ),
  )
  yield* beat.pipe(Effect.repeat(Schedule.spaced(Duration.toMillis(timeouts.interval))))
})

/** The fenced heartbeat as a layer (instead of HeartbeatLayer, in a cluster). */
export const FencedHeartbeatLayer = Layer.effectDiscard(Effect.forkScoped(runFencedHeartbeats))

import { Duration, Effect, Layer, Schedule } from "effect"
import { HostConfig } from "../config.ts"
import type { Host } from "../model/host.ts"
import type { Vm } from "../model/vm.ts"
import { power } from "../operations/power.ts"
import { runVmOperation } from "../operations/run-vm-operation.ts"
import { systemActor } from "../operations/system-actor.ts"
import { placementRefusal } from "../placement/refusal.ts"
import { Store } from "../store/ports.ts"
import { hostDownOperation } from "./failover.ts"
import { whileLeader } from "./leader.ts"
import { hostNow } from "./membership.ts"
import { endIncomingOf } from "./migrating.ts"
import { Peers } from "./peers.ts"
import { localDisksOf, placeElsewhere } from "./place-elsewhere.ts"
import { ClusterSettings } from "./settings.ts"

/** What failover did with one VM of a down host. */
export interface FailoverOutcome {
  readonly vmId: string
  readonly from: string
  /** The host it was moved to and started on; undefined: recorded as down (error) with the reason. */
  readonly to: string | undefined
  readonly reason: string
  readonly taskId: string
}

/** A VM its host was running, or bringing up or down, when the host went down: failover's business. */
const wasActive = (vm: Vm) => vm.state !== "stopped" && vm.state !== "error" && vm.state !== "validating"

/**
 * HA VMs first (R12: they are restarted before the others are recorded), by their restart priority (higher first:
 * when the other hosts have room for some only, these get it), then the oldest first.
 */
export const byPriority = (a: Vm, b: Vm) =>
  Number(b.haEnabled) - Number(a.haEnabled) ||
  (b.haEnabled ? b.haPriority - a.haPriority : 0) ||
  a.createdAt.getTime() - b.createdAt.getTime()

/** Where an HA VM of a down host may run now, or why it cannot move. */
const targetFor = Effect.fn("cluster.failover.target")(function* (vm: Vm, down: Host) {
  if (!vm.haEnabled) return { to: undefined, reason: `Host ${down.name} is down; the VM is not HA, so it stays down` }
  const local = yield* localDisksOf(vm)
  if (local.length > 0) {
    const names = local.map((d) => d.name).join(", ")
    return {
      to: undefined,
      reason: `Host ${down.name} is down; HA restart elsewhere needs shared storage, and ${names} is local (ha-needs-shared-storage)`,
    }
  }
  const placement = yield* placeElsewhere(vm)
  if (placement._tag === "Refused") {
    const refusal = placementRefusal("vm.reconcile", placement)
    return { to: undefined, reason: `Host ${down.name} is down; ${refusal.message} (${refusal.rule})` }
  }
  return { to: placement.host, reason: `Host ${down.name} went down; restarted on ${placement.host.name} (R12)` }
})

/** Powers on a moved VM: here when the new host is this agent's, else through that host's agent. */
const startOn = Effect.fn("cluster.failover.start")(function* (vm: Vm, to: Host) {
  const peers = yield* Peers
  const { hostId } = yield* HostConfig
  if (peers === undefined || to.id === hostId) return (yield* power(systemActor(vm), vm.id, "start")).task.id
  return yield* peers.start(to, vm.id)
})

/**
 * R12, #16: one round of the leader's failover. For every host that reads down (its heartbeat older than the
 * timeout; the down host fenced itself before that), the locks its agent held are freed, then each VM it was
 * running is, by priority: moved to the host placement chooses and started there (HA, every disk in the shared
 * pool; one caught in a live migration only once the migration's target has ended its incoming side, see
 * endIncomingOf), or recorded as down with the reason (not HA, a local disk, no room). Each step is a task and an event. A
 * VM handled once is stopped or in error on the records, so a later round (or a returning host) does not act on it
 * again.
 */
export const failoverRound = Effect.fn("cluster.failoverRound")(function* () {
  const store = yield* Store
  const outcomes: Array<FailoverOutcome> = []
  for (const stored of yield* store.hosts.list()) {
    const down = yield* hostNow(stored)
    if (down.state !== "down") continue
    const vms = (yield* store.vms.list({ hostId: down.id })).filter(wasActive).sort(byPriority)
    if (vms.length === 0) continue
    yield* store.vmLocks.releaseStale(`${down.id}:`, "")
    for (const vm of vms) {
      const outcome = yield* Effect.gen(function* () {
        const { to, reason } = yield* targetFor(vm, down)
        if (to !== undefined) yield* endIncomingOf(vm)
        const { task } = yield* runVmOperation(hostDownOperation, systemActor(vm), vm.id, { from: down.id, to, reason })
        if (to !== undefined) yield* startOn(vm, to)
        return { vmId: vm.id, from: down.id, to: to?.id, reason, taskId: task.id }
      }).pipe(
        Effect.tapError((error) =>
          Effect.logWarning(`failover of VM ${vm.id} failed; the next round tries again`, error),
        ),
        Effect.option,
      )
      if (outcome._tag === "Some") outcomes.push(outcome.value)
    }
  }
  return outcomes
})

/** The leader's failover, a round every heartbeat interval while this agent leads (a cluster only). */
export const FailoverLayer = Layer.effectDiscard(
  Effect.gen(function* () {
    const { timeouts } = yield* ClusterSettings
    const rounds = failoverRound().pipe(
      Effect.catchCause((cause) => Effect.logWarning("a failover round failed", cause)),
      Effect.repeat(Schedule.spaced(Duration.toMillis(timeouts.interval))),
    )
    yield* Effect.forkScoped(whileLeader(rounds))
  }),
)

import { Context, Effect, Schedule, Schema } from "effect"
import { HostConfig } from "../config.ts"
import { RuleViolation } from "../errors.ts"
import type { Host } from "../model/host.ts"
import type { Operation } from "../model/operation.ts"
import type { Task } from "../model/task.ts"
import type { BatchOutcome, BatchRequest } from "../operations/batch.ts"
import type { TaskHandle } from "../operations/run-vm-operation.ts"
import type { Actor } from "../rules/context.ts"
import { Store } from "../store/ports.ts"

/** Another host's agent did not answer, or answered with an error (#16). */
export class PeerUnreachable extends Schema.TaggedError<PeerUnreachable>()("PeerUnreachable", {
  hostId: Schema.String,
  message: Schema.String,
}) {}

/** What this agent asks of the agent of another host; the agent implements it over signed HTTP (agent/cluster/). */
export interface PeerCalls {
  /** Runs the first provisioning of a VM placed on `host` there, as `actor`: the id of the task that agent started. */
  readonly provision: (host: Host, actor: Actor, vmId: string, start: boolean) => Effect.Effect<string, PeerUnreachable>
  /**
   * Starts a VM moved to `host` after its own went down (R12: by the leader, as the system; #16: a caller's start of
   * a stopped VM, as `actor`): the start task's id.
   */
  readonly start: (host: Host, vmId: string, actor?: Actor) => Effect.Effect<string, PeerUnreachable>
  /**
   * P2, V5 (#16): the leader asks the agent of the VM's host to run a due schedule at `at` (the run, retention and
   * lastRunAt there); resolves once done with the run's task and retention's deletion tasks.
   */
  readonly runSchedule: (
    host: Host,
    scheduleId: string,
    at: Date,
  ) => Effect.Effect<{ readonly taskId: string; readonly pruned: ReadonlyArray<string> }, PeerUnreachable>
  /** L7: runs a batch's items for the VMs of `host` there, as `actor`, as children of task `parentId`. */
  readonly batch: (
    host: Host,
    actor: Actor,
    request: BatchRequest,
    parentId: string,
  ) => Effect.Effect<ReadonlyArray<BatchOutcome>, PeerUnreachable>
}

/**
 * #16: set when the agent is part of a cluster (a shared PostgreSQL and a cluster secret): driver work for a VM of
 * another host is that host's agent's. Unset (one agent alone, or a test world): every host's VMs are this agent's.
 */
export const Peers = Context.Reference<PeerCalls | undefined>("hyperx/core/cluster/Peers", {
  defaultValue: () => undefined,
})

const finished = (task: Task) => task.state !== "queued" && task.state !== "running"

/**
 * A task another agent runs, as a handle: `done` follows its record in the shared database (every 250 ms), which is
 * where that agent settles it.
 */
export const remoteHandle = (store: Store["Service"], task: Task): TaskHandle => ({
  task,
  done: Effect.provideService(
    Store,
    store,
  )(Store.use((s) => s.tasks.get(task.id))).pipe(
    Effect.repeat({ schedule: Schedule.spaced("250 millis"), until: finished }),
  ),
})

/**
 * #16: in a cluster, an agent runs driver work only for the VMs of its own host; a VM of another host reaching this
 * far (a request that was not forwarded) is refused rather than run on the wrong hypervisor. The operation is the
 * caller's when it knows it; the refusal's rule is what the API reports.
 */
export const ownHostOnly = Effect.fn("cluster.ownHostOnly")(function* (
  vm: { readonly hostId: string | null },
  operation: Operation,
) {
  const peers = yield* Peers
  const { hostId } = yield* HostConfig
  if (peers === undefined || vm.hostId === null || vm.hostId === hostId) return
  return yield* new RuleViolation({
    rule: "vm-on-another-host",
    operation,
    kind: "conflict",
    message: `The VM runs on host ${vm.hostId}, not this agent's; its agent must run this (requests are forwarded there)`,
    messageZh: `该虚拟机运行在主机 ${vm.hostId} 上，须由该主机的代理执行（请求会被转发到那里）`,
  })
})

import { Effect, Exit } from "effect"
import { hostNow } from "../cluster/membership.ts"
import { Peers } from "../cluster/peers.ts"
import { HostConfig } from "../config.ts"
import { InvalidInput, NotFound, RuleViolation } from "../errors.ts"
import type { Actor } from "../rules/context.ts"
import { batchAction, batchSelection } from "../rules/platform.ts"
import { checkRules } from "../rules/rule.ts"
import { Store } from "../store/ports.ts"
import { deleteVm } from "./delete.ts"
import { power } from "./power.ts"
import type { TaskHandle } from "./run-vm-operation.ts"
import { createSnapshot } from "./snapshots/create.ts"
import { checkSnapshotName } from "./snapshots/records.ts"
import { beginTask, finishTask } from "./tasks.ts"

export interface BatchRequest {
  readonly action: string
  readonly vmIds: ReadonlyArray<string>
  /** B1/B3 "force" for stop and reboot. */
  readonly force?: boolean
  /** B4 "destroy completely" for delete. */
  readonly destroy?: boolean
  /** P1 for snapshot: save each running guest's memory too. */
  readonly withMemory?: boolean
  /** P1 for snapshot: every VM's snapshot takes this name (default "snapshot-<UTC time>"). */
  readonly name?: string
  /** B6: asked of a batch stop, each VM refuses it (detach-devices-single-stop): only a single stop detaches. */
  readonly detachDevices?: boolean
}

/** What happened to one VM of the batch: its task, or why it was left out (a warning per VM). */
export type BatchOutcome =
  | { readonly vmId: string; readonly status: "accepted"; readonly taskId: string }
  | {
      readonly vmId: string
      readonly status: "refused"
      readonly rule: string
      readonly message: string
      readonly messageZh: string
    }
  | { readonly vmId: string; readonly status: "not-found" }

const maxBatch = 500

type OneVm = Effect.Effect<
  TaskHandle,
  unknown,
  Effect.Services<ReturnType<typeof power>> | Effect.Services<ReturnType<typeof createSnapshot>>
>

/** P1 in a batch: the snapshot options that were given, for createSnapshot. */
const snapshotOptions = (request: BatchRequest, parentId: string) => ({
  parentId,
  ...(request.withMemory === undefined ? {} : { withMemory: request.withMemory }),
  ...(request.name === undefined ? {} : { name: request.name }),
})

/** #16: a VM of the batch whose host's agent did not answer (its action was not asked for there). */
const unreachable = (vmId: string, hostId: string): BatchOutcome => ({
  vmId,
  status: "refused",
  rule: "host-unreachable",
  message: `The agent of host ${hostId} did not answer; nothing was done to this VM`,
  messageZh: `主机 ${hostId} 的代理没有响应，未对该虚拟机执行任何操作`,
})

/**
 * L7 on this host's VMs: the batch's action on each, a child task of `parentId`. A VM whose state forbids it is
 * reported with the rule, one outside the caller's scope as not-found; anything else (a store failure) is not the
 * VM's fault and fails the whole run. #16: another agent runs this for its VMs of a batch asked elsewhere.
 */
export const runBatchItems = Effect.fn("operations.runBatchItems")(function* (
  actor: Actor,
  request: BatchRequest,
  parentId: string,
  vmIds: ReadonlyArray<string>,
) {
  const one = (vmId: string): OneVm => {
    const options = { batch: true, parentId }
    switch (request.action) {
      case "snapshot":
        return createSnapshot(actor, vmId, snapshotOptions(request, parentId))
      case "start":
        return power(actor, vmId, "start", options)
      case "stop":
        return power(actor, vmId, request.force ? "force-stop" : "stop", {
          ...options,
          detachDevices: request.detachDevices ?? false,
        })
      case "reboot":
        return power(actor, vmId, request.force ? "force-reboot" : "reboot", options)
      default:
        return deleteVm(actor, vmId, { ...options, destroy: request.destroy ?? false })
    }
  }
  const outcomes: Array<BatchOutcome> = []
  for (const vmId of vmIds) {
    const exit = yield* Effect.exit(one(vmId))
    if (Exit.isSuccess(exit)) {
      outcomes.push({ vmId, status: "accepted", taskId: exit.value.task.id })
      continue
    }
    const failure = Exit.findErrorOption(exit)
    const error = failure._tag === "Some" ? failure.value : undefined
    if (error instanceof RuleViolation) {
      outcomes.push({ vmId, status: "refused", rule: error.rule, message: error.message, messageZh: error.messageZh })
    } else if (error instanceof NotFound) {
      outcomes.push({ vmId, status: "not-found" })
    } else {
      return yield* Effect.failCause(exit.cause)
    }
  }
  return outcomes
})

/** The host of each VM asked for that exists (in the recycle bin or not); unplaced VMs have none. */
const hostsOfVms = Effect.fn("operations.hostsOfVms")(function* (vmIds: ReadonlyArray<string>) {
  const store = yield* Store
  const [live, recycled] = yield* Effect.all([
    store.vms.list({ ids: vmIds }),
    store.vms.list({ ids: vmIds, recycled: true }),
  ])
  const hosts = new Map<string, string>()
  for (const vm of [...live, ...recycled]) if (vm.hostId !== null) hosts.set(vm.id, vm.hostId)
  return hosts
})

/**
 * #16: in a cluster, each host's agent runs the items of its own VMs (the others at once, each asked once for all
 * of its VMs); this agent runs its own and those of unknown VMs (reported not-found). Outcomes in the asked order.
 */
const runAcrossHosts = Effect.fn("operations.runBatchAcrossHosts")(function* (
  actor: Actor,
  request: BatchRequest,
  parentId: string,
  vmIds: ReadonlyArray<string>,
) {
  const peers = yield* Peers
  if (peers === undefined) return yield* runBatchItems(actor, request, parentId, vmIds)
  const { hostId: ownHost } = yield* HostConfig
  const store = yield* Store
  const placed = yield* hostsOfVms(vmIds)
  const byHost = new Map<string, Array<string>>()
  for (const vmId of vmIds) {
    const hostId = placed.get(vmId) ?? ownHost
    byHost.set(hostId, [...(byHost.get(hostId) ?? []), vmId])
  }
  const runs = [...byHost].map(([hostId, ids]) =>
    Effect.gen(function* () {
      const host = hostId === ownHost ? undefined : yield* hostNow(yield* store.hosts.get(hostId))
      // A host that reads down has no agent to ask: its VMs' items run here (a start moves a stopped VM first).
      if (host === undefined || host.state === "down") return yield* runBatchItems(actor, request, parentId, ids)
      return yield* peers.batch(host, actor, { ...request, vmIds: ids }, parentId)
    }).pipe(
      Effect.catchTags({
        PeerUnreachable: () => Effect.succeed(ids.map((id) => unreachable(id, hostId))),
        NotFound: () => Effect.succeed(ids.map((id) => unreachable(id, hostId))),
      }),
    ),
  )
  const outcomes = new Map((yield* Effect.all(runs, { concurrency: "unbounded" })).flat().map((o) => [o.vmId, o]))
  return vmIds.map((vmId) => outcomes.get(vmId) ?? unreachable(vmId, placed.get(vmId) ?? ownHost))
})

/**
 * L7: start, stop, reboot, delete or snapshot a selection; VMs whose state forbids it (a snapshot: a backup on its
 * disks, rule no-backups) are reported with the rule, the rest proceed as child tasks of the batch's task. #16: the
 * VMs of other hosts are run by their agents (rule host-unreachable for those of an agent that does not answer).
 */
export const runBatch = Effect.fn("operations.runBatch")(function* (actor: Actor, request: BatchRequest) {
  const vmIds = [...new Set(request.vmIds)]
  if (vmIds.length > maxBatch) return yield* new InvalidInput({ message: `A batch takes at most ${maxBatch} VMs` })
  yield* checkRules("vm.batch", [batchSelection, batchAction], { actor, action: request.action, vmIds })
  // A bad name is the request's fault, not any VM's: refuse the whole batch before anything is recorded.
  if (request.action === "snapshot" && request.name !== undefined) yield* checkSnapshotName(request.name)
  const scope = { companyId: actor.companyId, departmentId: actor.departmentId, ownerId: actor.userId }
  const parent = yield* beginTask({ operation: "vm.batch", actor, scope, params: request })
  const run = yield* Effect.exit(runAcrossHosts(actor, request, parent.id, vmIds))
  if (Exit.isFailure(run)) {
    // Not a VM's fault (a store failure): the batch fails with it, recorded on the parent.
    yield* finishTask(parent, scope, run)
    return yield* Effect.failCause(run.cause)
  }
  const outcomes = run.value
  const task = yield* finishTask(parent, scope, Exit.succeed({ outcomes }))
  return { task, outcomes }
})

import { Effect, Exit } from "effect"
import { InvalidInput, NotFound, RuleViolation } from "../errors.ts"
import type { Actor } from "../rules/context.ts"
import { batchAction, batchSelection } from "../rules/platform.ts"
import { checkRules } from "../rules/rule.ts"
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

/**
 * L7: start, stop, reboot, delete or snapshot a selection; VMs whose state forbids it (a snapshot: a backup on its
 * disks, rule no-backups) are reported with the rule, the rest proceed as child tasks of the batch's task.
 */
export const runBatch = Effect.fn("operations.runBatch")(function* (actor: Actor, request: BatchRequest) {
  const vmIds = [...new Set(request.vmIds)]
  if (vmIds.length > maxBatch) return yield* new InvalidInput({ message: `A batch takes at most ${maxBatch} VMs` })
  yield* checkRules("vm.batch", [batchSelection, batchAction], { actor, action: request.action, vmIds })
  // A bad name is the request's fault, not any VM's: refuse the whole batch before anything is recorded.
  if (request.action === "snapshot" && request.name !== undefined) yield* checkSnapshotName(request.name)
  const scope = { companyId: actor.companyId, departmentId: actor.departmentId, ownerId: actor.userId }
  const parent = yield* beginTask({ operation: "vm.batch", actor, scope, params: request })
  const one = (vmId: string): OneVm => {
    const options = { batch: true, parentId: parent.id }
    switch (request.action) {
      case "snapshot":
        return createSnapshot(actor, vmId, snapshotOptions(request, parent.id))
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
      // Anything else (a store failure) is not the VM's fault: fail the batch with it, recorded on the parent.
      yield* finishTask(parent, scope, exit)
      return yield* Effect.failCause(exit.cause)
    }
  }
  const task = yield* finishTask(parent, scope, Exit.succeed({ outcomes }))
  return { task, outcomes }
})

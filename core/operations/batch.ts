import { Effect, Exit } from "effect"
import { InvalidInput, NotFound, RuleViolation } from "../errors.ts"
import type { Actor } from "../rules/context.ts"
import { batchAction, batchSelection } from "../rules/platform.ts"
import { checkRules } from "../rules/rule.ts"
import { deleteVm } from "./delete.ts"
import type { TaskHandle } from "./lifecycle-task.ts"
import { power } from "./power.ts"
import { beginTask, finishTask } from "./tasks.ts"

export interface BatchRequest {
  readonly action: string
  readonly vmIds: ReadonlyArray<string>
  /** B1/B3 "force" for stop and reboot. */
  readonly force?: boolean
  /** B4 "destroy completely" for delete. */
  readonly destroy?: boolean
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

/** L7: start, stop, reboot or delete a selection; VMs whose state forbids it are reported, the rest proceed. */
export const runBatch = Effect.fn("operations.runBatch")(function* (actor: Actor, request: BatchRequest) {
  const vmIds = [...new Set(request.vmIds)]
  if (vmIds.length > maxBatch) return yield* new InvalidInput({ message: `A batch takes at most ${maxBatch} VMs` })
  yield* checkRules("vm.batch", [batchSelection, batchAction], { actor, action: request.action, vmIds })
  if (request.action === "snapshot") {
    return yield* new InvalidInput({ message: "Batch snapshots arrive with the snapshots feature (P1)" })
  }
  const scope = { companyId: actor.companyId, departmentId: actor.departmentId, ownerId: actor.userId }
  const parent = yield* beginTask({ operation: "vm.batch", actor, scope, params: request })
  const one = (vmId: string): Effect.Effect<TaskHandle, unknown, Effect.Services<ReturnType<typeof power>>> => {
    const options = { batch: true, parentId: parent.id }
    switch (request.action) {
      case "start":
        return power(actor, vmId, "start", options)
      case "stop":
        return power(actor, vmId, request.force ? "force-stop" : "stop", options)
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

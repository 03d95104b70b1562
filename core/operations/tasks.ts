import { randomUUID } from "node:crypto"
import { Cause, Effect, Exit } from "effect"
import { errorCodeOf } from "../error-codes.ts"
import { RuleViolation } from "../errors.ts"
import { EventBus } from "../events/bus.ts"
import type { Operation, Task, TaskError } from "../model/index.ts"
import type { Actor } from "../rules/context.ts"
import { type LockRef, type OwnRow, type OwnUpdate, Store } from "../store/ports.ts"
import { now } from "./clock.ts"

export interface TaskStart {
  readonly operation: Operation
  readonly actor: Actor
  /** The resource's scope: the VM's owner and organisation, so events reach those who may see it. */
  readonly scope: { readonly companyId: string; readonly departmentId: string; readonly ownerId: string }
  readonly vmId?: string
  readonly targetId?: string
  readonly parentId?: string
  readonly params?: unknown
}

const publishTask = (task: Task, scope: TaskStart["scope"]) =>
  Effect.gen(function* () {
    const bus = yield* EventBus
    yield* bus.publish({ _tag: "task", ...scope, task, at: yield* now })
  })

// beginTask and finishTask run on every operation: untraced, as the store's calls they make (core/store/repository.ts).

/** Record a task as running (G4: who, what, when), with the operation's own row if given, and announce it. */
export const beginTask = Effect.fnUntraced(function* begin(start: TaskStart, own?: OwnRow) {
  const store = yield* Store
  const at = yield* now
  const task = yield* store.tasks.insert(
    {
      id: randomUUID(),
      operation: start.operation,
      vmId: start.vmId ?? null,
      targetId: start.targetId ?? null,
      parentId: start.parentId ?? null,
      userId: start.actor.userId,
      companyId: start.scope.companyId,
      departmentId: start.scope.departmentId,
      state: "running",
      progress: 0,
      params: start.params ?? null,
      result: null,
      error: null,
      createdAt: at,
      startedAt: at,
      finishedAt: null,
    },
    own,
  )
  yield* publishTask(task, start.scope)
  return task
})

/** What a failure looks like on a task record: the code and rule the API answers for it (core/error-codes.ts). */
export const taskErrorOf = (cause: Cause.Cause<unknown>): TaskError => {
  if (Cause.hasInterruptsOnly(cause)) {
    return { code: "interrupted", message: "The agent stopped during the operation; recovery reconciles the VM." }
  }
  const failure = Cause.squash(cause)
  const message =
    typeof failure === "object" && failure !== null && "message" in failure ? String(failure.message) : String(failure)
  // Recovery closes the tasks a crash cut short with a plain { _tag: "Interrupted" } failure.
  const interrupted =
    typeof failure === "object" && failure !== null && "_tag" in failure && failure._tag === "Interrupted"
  if (interrupted) return { code: "interrupted", message }
  if (failure instanceof RuleViolation) return { code: errorCodeOf(failure), rule: failure.rule, message }
  return { code: errorCodeOf(failure), message }
}

/**
 * Record the outcome of a task (freeing the VM's lock and writing the operation's own row's change in the same
 * statement, if given) and announce it.
 */
export const finishTask = Effect.fnUntraced(function* finish(
  task: Task,
  scope: TaskStart["scope"],
  exit: Exit.Exit<unknown, unknown>,
  lock?: LockRef,
  own?: OwnUpdate,
) {
  const store = yield* Store
  const finished = yield* store.tasks.finish(
    task.id,
    {
      state: Exit.isSuccess(exit) ? "succeeded" : "failed",
      progress: 100,
      result: Exit.isSuccess(exit) ? (exit.value ?? null) : null,
      error: Exit.isSuccess(exit) ? null : taskErrorOf(exit.cause),
      finishedAt: yield* now,
    },
    lock,
    own,
  )
  yield* publishTask(finished, scope)
  // The operator's log (the agent sends Effect's logs to its logger): a failure with its cause, never a secret (the
  // task's params are not logged).
  if (Exit.isFailure(exit) && finished.error !== null) {
    yield* Effect.logError(`task ${finished.operation} failed: ${finished.error.message}`, exit.cause).pipe(
      Effect.annotateLogs({
        taskId: finished.id,
        operation: finished.operation,
        vmId: finished.vmId ?? undefined,
        userId: finished.userId,
        code: finished.error.code,
        rule: finished.error.rule,
      }),
    )
  }
  return finished
})

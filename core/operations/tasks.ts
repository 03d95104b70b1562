import { randomUUID } from "node:crypto"
import { Cause, Effect, Exit } from "effect"
import { asRefusal, errorCodeOf } from "../error-codes.ts"
import { RuleViolation, VersionConflict } from "../errors.ts"
import { EventBus } from "../events/bus.ts"
import type { Operation, Task, TaskError, Vm, VmState } from "../model/index.ts"
import type { Actor } from "../rules/context.ts"
import { type LockRef, type OwnRow, type OwnUpdate, Store, type TaskSettlement } from "../store/ports.ts"
import { now } from "./clock.ts"
import { announceMove } from "./vm-state.ts"

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

/** A new running task (G4: who, what, when). */
const runningTask = (start: TaskStart, at: Date): Task => ({
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
})

/** Record a task as running, with the operation's own row if given, and announce it. */
export const beginTask = Effect.fnUntraced(function* begin(start: TaskStart, own?: OwnRow) {
  const store = yield* Store
  const task = yield* store.tasks.insert(runningTask(start, yield* now), own)
  yield* publishTask(task, start.scope)
  return task
})

/**
 * Record a task as running and move its VM to `to` in one statement, only if the VM is still as `vm` was read (its
 * version; else VersionConflict and nothing written); announce the move, then the task.
 */
export const beginMovingTask = Effect.fnUntraced(function* beginMoving(
  start: TaskStart,
  vm: Vm,
  to: VmState,
  reason: string,
) {
  const store = yield* Store
  const begun = yield* store.tasks.begin(runningTask(start, yield* now), {
    vmId: vm.id,
    expectedVersion: vm.version,
    patch: { state: to, stateReason: reason },
  })
  if (begun === undefined) return yield* new VersionConflict({ resource: "vm", id: vm.id })
  const moved: Vm = { ...vm, state: to, stateReason: reason, ...begun.moved }
  yield* announceMove(moved, vm.state, to, "platform", reason)
  yield* publishTask(begun.task, start.scope)
  return { task: begun.task, vm: moved }
})

/** What a failure looks like on a task record: the code and rule the API answers for it (core/error-codes.ts). */
export const taskErrorOf = (cause: Cause.Cause<unknown>): TaskError => {
  if (Cause.hasInterruptsOnly(cause)) {
    return { code: "interrupted", message: "The agent stopped during the operation; recovery reconciles the VM." }
  }
  const failure = asRefusal(Cause.squash(cause))
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
export const finishTask = (
  task: Task,
  scope: TaskStart["scope"],
  exit: Exit.Exit<unknown, unknown>,
  lock?: LockRef,
  own?: OwnUpdate,
) =>
  Effect.map(
    settleTask(task, scope, exit, { own }, (write) => write(lock)),
    ({ task }) => task,
  )

/** Runs a settling write with the VM's lock to free in it (VmLocks.freeing: this agent lets go once it is written). */
export type Freeing = <A, E, R>(write: (lock: LockRef | undefined) => Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/** What settles with a task besides its lock, and the VM as the runner knew it: whose it is, for the announcement. */
export interface Settlement extends Omit<TaskSettlement, "lock"> {
  readonly vm?: Vm | undefined
}

/**
 * Record the outcome of a task with, in the same statement (TaskRepository.settle), the VM's lock freed, the
 * operation's own row's change and the VM's move to where its operation leaves it; then announce the VM's change of
 * state and the task's outcome. Nothing is announced before the lock is free, here and in this agent
 * (`freeing`): whoever acts on an announcement finds the VM free. Answers what the move found.
 */
export const settleTask = Effect.fnUntraced(function* settle(
  task: Task,
  scope: TaskStart["scope"],
  exit: Exit.Exit<unknown, unknown>,
  { vm, ...settlement }: Settlement,
  freeing: Freeing,
) {
  const store = yield* Store
  const at = yield* now
  const patch = {
    state: Exit.isSuccess(exit) ? ("succeeded" as const) : ("failed" as const),
    progress: 100,
    result: Exit.isSuccess(exit) ? (exit.value ?? null) : null,
    error: Exit.isSuccess(exit) ? null : taskErrorOf(exit.cause),
    finishedAt: at,
  }
  const { task: finished, moved } = yield* freeing((lock) =>
    store.tasks.settle(task.id, patch, { ...settlement, lock }),
  )
  const move = settlement.move
  if (moved !== undefined && vm !== undefined && move !== undefined) {
    yield* announceMove(vm, moved.from, move.patch.state, "platform", move.patch.stateReason ?? "")
  }
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
  return { task: finished, moved }
})

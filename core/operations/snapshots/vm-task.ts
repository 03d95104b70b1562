import { Cause, Effect, Exit, Fiber } from "effect"
import type { EventBus } from "../../events/bus.ts"
import type { Operation } from "../../model/operation.ts"
import type { Actor, VmContext } from "../../rules/context.ts"
import { Store } from "../../store/ports.ts"
import { Background } from "../background.ts"
import type { TaskHandle } from "../lifecycle-task.ts"
import { beginTask, finishTask, type TaskStart } from "../tasks.ts"
import { loadVisibleVm, vmContext } from "../vm-context.ts"
import { VmLocks } from "../vm-lock.ts"

export interface BackgroundTask {
  readonly start: TaskStart
  /** The operation's work, run in the background once the task is recorded. */
  readonly work: Effect.Effect<unknown, unknown, Store | EventBus>
  /** Marks what a failed work leaves behind (a row "failed"); not run on interruption, which recovery reconciles. */
  readonly onFailure?: Effect.Effect<unknown, unknown, Store>
  /** Releases the VM's lock: after the records are written, before the outcome is announced, and in any case. */
  readonly release?: Effect.Effect<void>
}

/** Record the task, run the work in the background, then record its outcome (G4). Returns the task at once. */
export const forkTask = Effect.fn("operations.forkTask")(function* (run: BackgroundTask) {
  const store = yield* Store
  const background = yield* Background
  const task = yield* beginTask(run.start)
  const settle = (exit: Exit.Exit<unknown, unknown>) =>
    Effect.gen(function* () {
      if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause) && run.onFailure) {
        yield* run.onFailure.pipe(Effect.catchCause((cause) => Effect.logError("could not mark a failure", cause)))
      }
      // Free the VM before the outcome is announced: whoever sees "succeeded" may act on the VM at once.
      if (run.release) yield* run.release
      return yield* finishTask(task, run.start.scope, exit)
    }).pipe(Effect.catchCause((cause) => Effect.logError("could not record the outcome of a task", cause)))
  const fiber = yield* background.fork(
    run.work.pipe(Effect.onExit(settle), Effect.ensuring(run.release ?? Effect.void)),
  )
  const done = Fiber.await(fiber).pipe(Effect.flatMap(() => store.tasks.get(task.id)))
  return { task, done } satisfies TaskHandle
})

export interface LockedVmOperation<C extends VmContext, A, E1, R1, E2, R2> {
  readonly operation: Operation
  readonly actor: Actor
  readonly vmId: string
  /** Builds the operation's context from the VM's and checks its rules; run before and again under the lock. */
  readonly check: (base: VmContext) => Effect.Effect<C, E1, R1>
  /** Runs under the lock with the fresh context; it owns `release` (hand it to forkTask, or run it when done). */
  readonly body: (context: C, release: Effect.Effect<void>) => Effect.Effect<A, E2, R2>
}

/**
 * One operation at a time per VM: refuse early without the lock, then take it and check again against fresh
 * records (a backup may have finished in between), then run. The lock is released if anything fails on the way.
 */
export const withVmLock = <C extends VmContext, A, E1, R1, E2, R2>(op: LockedVmOperation<C, A, E1, R1, E2, R2>) =>
  Effect.gen(function* () {
    const locks = yield* VmLocks
    const store = yield* Store
    const vm = yield* loadVisibleVm(op.actor, op.vmId)
    const first = yield* op.check(yield* vmContext(op.actor, vm))
    yield* locks.acquire(op.operation, first)
    const release = locks.release(op.vmId)
    return yield* Effect.gen(function* () {
      const fresh = yield* vmContext(op.actor, yield* store.vms.get(op.vmId))
      return yield* op.body(yield* op.check(fresh), release)
    }).pipe(Effect.onError(() => release))
  })

/** A task whose work is a change of records only: recorded, run, its outcome recorded; fails as the work failed. */
export const recordTask = <A, E, R>(start: TaskStart, work: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const task = yield* beginTask(start)
    const exit = yield* Effect.exit(work)
    const finished = yield* finishTask(task, start.scope, exit)
    if (Exit.isFailure(exit)) return yield* Effect.failCause(exit.cause)
    return { task: finished, value: exit.value }
  })

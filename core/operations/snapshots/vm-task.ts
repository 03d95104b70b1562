import { Cause, Deferred, Effect, Exit, Fiber } from "effect"
import type { EventBus } from "../../events/bus.ts"
import type { Task } from "../../model/index.ts"
import type { Operation } from "../../model/operation.ts"
import type { Actor, VmRecordContext } from "../../rules/context.ts"
import { Store } from "../../store/ports.ts"
import { Background } from "../background.ts"
import type { TaskHandle } from "../run-vm-operation.ts"
import { beginTask, finishTask, type TaskStart } from "../tasks.ts"
import { freshBase, loadVisibleVm, readBase } from "../vm-context.ts"
import { VmLocks } from "../vm-lock.ts"
import type { ReadContext, Reads } from "../vm-operation.ts"

type Work<R> =
  | Effect.Effect<unknown, unknown, Store | EventBus>
  | ((recorded: Effect.Effect<R>) => Effect.Effect<unknown, unknown, Store | EventBus>)

export interface BackgroundTask<R = void, E = never> {
  readonly start: TaskStart
  /** The operation's own records, written before the task (a snapshot or backup "creating"); the work gets its value. */
  readonly record?: Effect.Effect<R, E, Store>
  /**
   * The operation's work, run in the background. As an effect it runs once everything is recorded. As a function it
   * is started at once, handed `recorded`, and must await it before it changes anything: what it does first (freezing
   * the guest's file systems, which changes no data) then overlaps the recording. If recording fails, so does
   * `recorded`, and the work undoes what it prepared.
   */
  readonly work: Work<R>
  /** Marks what a failed work leaves behind (a row "failed"); not run on interruption, which recovery reconciles. */
  readonly onFailure?: Effect.Effect<unknown, unknown, Store>
  /** Releases the VM's lock: after the records are written, before the outcome is announced, and in any case. */
  readonly release?: Effect.Effect<void, never, Store>
}

/**
 * Record the operation (its own rows, then the task: G4), run the work in the background, then record its outcome.
 * Returns the task once recorded; if recording fails, the work has ended (and undone what it prepared) by then.
 */
export const forkTask = Effect.fn("operations.forkTask")(function* <R = void, E = never>(run: BackgroundTask<R, E>) {
  const store = yield* Store
  const background = yield* Background
  const recording = yield* Deferred.make<{ readonly task: Task; readonly value: R }, unknown>()
  const recorded = Effect.map(Effect.orDie(Deferred.await(recording)), ({ value }) => value)
  const work = typeof run.work === "function" ? run.work(recorded) : Effect.andThen(recorded, run.work)
  // The outcome as recorded, kept so that whoever waits needs no second read; read only if recording it failed.
  let finished: Task | undefined
  const settle = (exit: Exit.Exit<unknown, unknown>) =>
    Effect.gen(function* () {
      // Nothing was recorded: the caller gets the recording's failure, and there is no task to finish.
      const made = yield* Effect.option(Deferred.await(recording))
      if (made._tag === "None") return
      if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause) && run.onFailure) {
        yield* run.onFailure.pipe(Effect.catchCause((cause) => Effect.logError("could not mark a failure", cause)))
      }
      // Free the VM before the outcome is announced: whoever sees "succeeded" may act on the VM at once.
      if (run.release) yield* run.release
      finished = yield* finishTask(made.value.task, run.start.scope, exit)
    }).pipe(Effect.catchCause((cause) => Effect.logError("could not record the outcome of a task", cause)))
  // Started at once: its preparation (a freeze request to the guest) must be on its way before the records are written.
  const fiber = yield* background.fork(work.pipe(Effect.onExit(settle), Effect.ensuring(run.release ?? Effect.void)), {
    startImmediately: true,
  })
  const task = yield* Effect.gen(function* () {
    const value = (yield* run.record ?? Effect.void) as R
    const task = yield* beginTask(run.start)
    yield* Deferred.succeed(recording, { task, value })
    return task
  }).pipe(Effect.tapError((error) => Deferred.fail(recording, error).pipe(Effect.andThen(Fiber.await(fiber)))))
  const done = Fiber.await(fiber).pipe(
    Effect.flatMap(() => (finished === undefined ? store.tasks.get(task.id) : Effect.succeed(finished))),
  )
  return { task, done } satisfies TaskHandle
})

export interface LockedVmOperation<K extends Reads, C extends VmRecordContext, A, E1, R1, E2, R2> {
  readonly operation: Operation
  readonly actor: Actor
  readonly vmId: string
  /** What the rules look at besides the operation's own records: the VM alone or with its counts. */
  readonly reads: K
  /** Builds the operation's context from the VM's and checks its rules; run again under the lock. */
  readonly check: (base: ReadContext[K]) => Effect.Effect<C, E1, R1>
  /** Runs under the lock with the fresh context; it owns `release` (hand it to forkTask, or run it when done). */
  readonly body: (context: C, release: Effect.Effect<void, never, Store>) => Effect.Effect<A, E2, R2>
}

/**
 * The backups' use of the runner's lock step (they also run on detached disks, which have no VM to lock): read and
 * check, take the VM's lock (its claim re-reads the VM and its counts), check again, then the body. A refusal never
 * holds the lock; it is released if anything fails on the way.
 */
export const withVmLock = <K extends Reads, C extends VmRecordContext, A, E1, R1, E2, R2>(
  op: LockedVmOperation<K, C, A, E1, R1, E2, R2>,
) =>
  Effect.gen(function* () {
    const locks = yield* VmLocks
    const vm = yield* loadVisibleVm(op.actor, op.vmId)
    const first = yield* readBase(op.reads, op.actor, vm)
    const checked = yield* op.check(first)
    const held = yield* locks.acquire(op.operation, checked, { facts: op.reads !== "record" })
    const release = locks.release(op.vmId)
    const context = yield* freshBase(op.reads, first, held).pipe(
      Effect.flatMap(op.check),
      Effect.onError(() => release),
    )
    return yield* op.body(context, release).pipe(Effect.onError(() => release))
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

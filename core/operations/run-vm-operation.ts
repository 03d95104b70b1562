import { Cause, Deferred, Effect, Exit, Fiber } from "effect"
import type { NotFound, StoreError } from "../errors.ts"
import { transition } from "../lifecycle/index.ts"
import type { Task, Vm } from "../model/index.ts"
import type { Actor } from "../rules/context.ts"
import { lifecycleState, vmBusy } from "../rules/lifecycle.ts"
import { checkRules, violation } from "../rules/rule.ts"
import { Store } from "../store/ports.ts"
import { Background } from "./background.ts"
import { beginTask, finishTask } from "./tasks.ts"
import { patientStore, untilWritten } from "./until-written.ts"
import { freshBase, loadVisibleVm, readBase } from "./vm-context.ts"
import { VmLocks } from "./vm-lock.ts"
import type {
  BackgroundWork,
  OperationError,
  OperationServices,
  ReadContext,
  Reads,
  RecordWork,
  VmOperation,
} from "./vm-operation.ts"
import { moveVm, scopeOf } from "./vm-state.ts"

export interface TaskHandle {
  readonly task: Task
  /** Completes with the task's final record; the operation runs whether or not anyone waits. */
  readonly done: Effect.Effect<Task, StoreError | NotFound>
}

export interface RunOptions {
  /** The batch (or schedule run) this task belongs to. */
  readonly parentId?: string
}

type Checked<C, P> = { readonly context: C; readonly prepared: P }

/** The rules, then what the work needs: the first refusal is the operation's answer. */
const check = <K extends Reads, I, C extends ReadContext["record"], P, W>(
  op: VmOperation<K, I, C, P, W>,
  base: ReadContext[K],
  input: I,
): Effect.Effect<Checked<C, P>, OperationError, OperationServices> =>
  Effect.gen(function* () {
    const context = yield* op.context(base, input)
    yield* checkRules(op.operation, op.rules, context)
    const prepared = (op.prepare === undefined ? undefined : yield* op.prepare(context)) as P
    return { context, prepared }
  })

/**
 * The one protocol of every VM operation: read → check → lock → re-read and re-check under the lock → record the
 * task → work → settle + events. A refusal never holds the lock. The lock's claim reads the VM (and its counts) in
 * the same round trip, so the re-read costs no extra trip; the rules are checked again on what it read, so a change
 * made between the first check and the lock (deletion protection switched on) refuses the operation.
 */
const lockAndCheck = <K extends Reads, I, C extends ReadContext["record"], P, W>(
  op: VmOperation<K, I, C, P, W>,
  actor: Actor,
  vmId: string,
  input: I,
) =>
  Effect.gen(function* () {
    const locks = yield* VmLocks
    const vm = yield* loadVisibleVm(actor, vmId)
    const first = yield* readBase(op.reads, actor, vm)
    const checked = yield* check(op, first, input)
    const held = yield* locks.acquire(op.operation, checked.context, { facts: op.reads !== "record" })
    const release = locks.release(vmId)
    const fresh = yield* freshBase(op.reads, first, held).pipe(
      Effect.flatMap((base) => check(op, base, input)),
      Effect.onError(() => release),
    )
    return { ...fresh, release }
  })

/** With a lifecycle action: may it begin from the fresh state, and where does it go (a refusal names the rule). */
const transitionOf = <C extends ReadContext["record"]>(
  op: VmOperation<Reads, never, C, unknown, unknown>,
  context: C,
) =>
  Effect.gen(function* () {
    if (op.lifecycle === undefined) return undefined
    const step = transition(context.vm.state, op.lifecycle)
    if (!step.ok) {
      return yield* violation(op.operation, step.reason === "busy" ? vmBusy : lifecycleState(op.lifecycle), context)
    }
    return step
  })

const taskStart = <C extends ReadContext["record"], I>(
  op: VmOperation<Reads, I, C, unknown, unknown>,
  actor: Actor,
  context: C,
  input: I,
  options: RunOptions,
) => ({
  operation: op.operation,
  actor,
  scope: scopeOf(context.vm),
  vmId: context.vm.id,
  ...op.task(context, input),
  ...(options.parentId === undefined ? {} : { parentId: options.parentId }),
})

const runRecord = <K extends Reads, I, C extends ReadContext["record"], P, A>(
  op: VmOperation<K, I, C, P, RecordWork<C, P, A>>,
  actor: Actor,
  vmId: string,
  input: I,
  options: RunOptions,
) =>
  Effect.gen(function* () {
    const { context, prepared, release } = yield* lockAndCheck(op, actor, vmId, input)
    const start = taskStart(op as never, actor, context, input, options)
    const task = yield* beginTask(start).pipe(Effect.onError(() => release))
    const exit = yield* Effect.exit(op.work.write(context, prepared))
    // Free the VM before the outcome is announced: whoever sees "succeeded" may act on the VM at once.
    yield* release
    const recorded = op.work.result === undefined ? exit : Exit.map(exit, op.work.result)
    // The database away: the caller is answered now (503), the task's outcome written once it is back (#14).
    const background = yield* Background
    const finished = yield* finishTask(task, start.scope, recorded).pipe(
      Effect.tapError((error) =>
        error._tag === "StoreError" && error.retryable
          ? background.fork(
              untilWritten(`recording ${op.operation}'s outcome`, finishTask(task, start.scope, recorded)),
            )
          : Effect.void,
      ),
    )
    if (Exit.isFailure(exit)) return yield* Effect.failCause(exit.cause)
    return { task: finished, value: exit.value }
  })

const runBackground = <K extends Reads, I, C extends ReadContext["record"], P, R>(
  op: VmOperation<K, I, C, P, BackgroundWork<C, P, R>>,
  actor: Actor,
  vmId: string,
  input: I,
  options: RunOptions,
) =>
  Effect.gen(function* () {
    const store = yield* Store
    const background = yield* Background
    const { context, prepared, release } = yield* lockAndCheck(op, actor, vmId, input)
    const work = op.work
    const started = yield* Effect.gen(function* () {
      const step = yield* transitionOf(op as never, context)
      const start = taskStart(op as never, actor, context, input, options)
      const recording = yield* Deferred.make<{ readonly task: Task; readonly value: R; readonly vm: Vm }, unknown>()
      const recorded = Effect.orDie(Deferred.await(recording))
      const body = work.overlap
        ? work.run(
            context,
            prepared,
            Effect.map(recorded, ({ value }) => value),
          )
        : Effect.flatMap(recorded, ({ value, vm }) => work.run({ ...context, vm }, prepared, Effect.succeed(value)))
      // The outcome as recorded, kept so that whoever waits needs no second read.
      let finished: Task | undefined
      const settle = (exit: Exit.Exit<unknown, unknown>) =>
        Effect.gen(function* () {
          // Nothing was recorded: the caller gets the recording's failure, and there is no task to finish.
          const made = yield* Effect.option(Deferred.await(recording))
          if (made._tag === "None") return
          const interrupted = Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)
          if (Exit.isFailure(exit) && !interrupted && work.onFailure) {
            yield* untilWritten(`marking ${op.operation}'s failure`, work.onFailure(context, prepared)).pipe(
              Effect.catchCause((cause) => Effect.logError("could not mark a failure", cause)),
            )
          }
          // A destroyed VM has no record left to move; its task is still recorded. Interrupted: recovery reconciles.
          if (step !== undefined && !interrupted) {
            const current = yield* untilWritten(`settling ${op.operation}`, store.vms.get(vmId)).pipe(Effect.option)
            if (current._tag === "Some" && Exit.isSuccess(exit)) {
              const settled = work.onSuccess
                ? work.onSuccess(current.value, step.to, context)
                : moveVm(current.value, step.to, "platform", op.operation)
              yield* untilWritten(`settling ${op.operation}`, settled)
            } else if (current._tag === "Some" && Exit.isFailure(exit)) {
              const reason = Cause.squash(exit.cause)
              const why = reason instanceof Error ? reason.message : String(reason)
              yield* untilWritten(`settling ${op.operation}`, moveVm(current.value, step.onFailure, "platform", why))
            }
          }
          // Free the VM before the outcome is announced: whoever sees "succeeded" may act on the VM at once.
          yield* release
          finished = yield* untilWritten(
            `recording ${op.operation}'s outcome`,
            finishTask(made.value.task, start.scope, exit),
          )
        }).pipe(Effect.catchCause((cause) => Effect.logError("could not record the outcome of a task", cause)))
      // With overlap the work starts at once: its preparation (a freeze request) is on its way before the records.
      const patient = Effect.provideService(body, Store, patientStore(store))
      const fiber = yield* background.fork(patient.pipe(Effect.onExit(settle), Effect.ensuring(release)), {
        startImmediately: work.overlap === true,
      })
      const task = yield* Effect.gen(function* () {
        const value = (work.record === undefined ? undefined : yield* work.record(context, prepared)) as R
        const vm =
          step === undefined
            ? context.vm
            : yield* moveVm(context.vm, step.via, "platform", op.operation, {}, context.vm.version).pipe(
                Effect.catchTag("VersionConflict", () => Effect.fail(violation(op.operation, vmBusy, context))),
              )
        const task = yield* beginTask(start).pipe(
          Effect.tapError(() =>
            step === undefined
              ? Effect.void
              : Effect.ignore(moveVm(vm, context.vm.state, "platform", "the task could not be recorded")),
          ),
        )
        yield* Deferred.succeed(recording, { task, value, vm })
        return task
      }).pipe(
        Effect.tapError((error) =>
          Deferred.fail(recording, error).pipe(
            Effect.andThen(Fiber.await(fiber)),
            Effect.andThen(work.discard === undefined ? Effect.void : Effect.ignore(work.discard(context, prepared))),
          ),
        ),
      )
      const done = Fiber.await(fiber).pipe(
        Effect.flatMap(() => (finished === undefined ? store.tasks.get(task.id) : Effect.succeed(finished))),
      )
      return { task, done } satisfies TaskHandle
    }).pipe(Effect.onError(() => release))
    return started
  })

/** Run a declared VM operation (see VmOperation): a record edit returns its finished task and value. */
export function runVmOperation<K extends Reads, I, C extends ReadContext["record"], P, A>(
  op: VmOperation<K, I, C, P, RecordWork<C, P, A>>,
  actor: Actor,
  vmId: string,
  input: I,
  options?: RunOptions,
): Effect.Effect<{ readonly task: Task; readonly value: A }, OperationError, OperationServices>
/** Run a declared VM operation (see VmOperation): work in the background returns its task at once. */
export function runVmOperation<K extends Reads, I, C extends ReadContext["record"], P, R>(
  op: VmOperation<K, I, C, P, BackgroundWork<C, P, R>>,
  actor: Actor,
  vmId: string,
  input: I,
  options?: RunOptions,
): Effect.Effect<TaskHandle, OperationError, OperationServices>
export function runVmOperation<K extends Reads, I, C extends ReadContext["record"], P>(
  op: VmOperation<K, I, C, P, RecordWork<C, P, unknown> | BackgroundWork<C, P, unknown>>,
  actor: Actor,
  vmId: string,
  input: I,
  options: RunOptions = {},
): Effect.Effect<unknown, OperationError, OperationServices> {
  const run: Effect.Effect<unknown, OperationError, OperationServices> =
    op.work.kind === "record"
      ? runRecord(op as VmOperation<K, I, C, P, RecordWork<C, P, unknown>>, actor, vmId, input, options)
      : runBackground(op as VmOperation<K, I, C, P, BackgroundWork<C, P, unknown>>, actor, vmId, input, options)
  return Effect.withSpan(run, `operations.${op.operation}`)
}

import { Cause, Deferred, Effect, Exit, Fiber } from "effect"
import { canSee } from "../auth/scope.ts"
import { NotFound, type RuleViolation, type StoreError } from "../errors.ts"
import { transition } from "../lifecycle/index.ts"
import type { Operation, Task, Vm } from "../model/index.ts"
import type { Disk, Snapshot } from "../model/storage.ts"
import type { Actor } from "../rules/context.ts"
import { lifecycleState, vmBusy } from "../rules/lifecycle.ts"
import { checkRules, type Rule, violation } from "../rules/rule.ts"
import { type ItemRef, Store, type VmMove, type VmMoved } from "../store/ports.ts"
import { Background } from "./background.ts"
import { checkExpectedVersion } from "./expected-version.ts"
import { beginMovingTask, beginTask, type Freeing, settleTask, type TaskStart } from "./tasks.ts"
import { patientStore, untilWritten } from "./until-written.ts"
import { freshBase, readVisibleBase, recalledBase, recallOf } from "./vm-context.ts"
import { type HeldLock, VmLocks } from "./vm-lock.ts"
import type {
  AloneOperation,
  BackgroundWork,
  ClaimedItem,
  ItemOperation,
  OperationError,
  OperationServices,
  ReadContext,
  Reads,
  RecordWork,
  SuccessMove,
  VmOperation,
} from "./vm-operation.ts"
import { scopeOf } from "./vm-state.ts"

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

type Step = Extract<ReturnType<typeof transition>, { readonly ok: true }>

/**
 * What the runner holds once an operation was read and checked (its VM locked and checked again): the checked
 * context and what the work needs, the task to record, how to free the lock, and with a lifecycle action where the
 * VM moves. Everything after this point is the same for a VM's operations and for an item's.
 */
interface Claimed<C, P> extends Checked<C, P> {
  readonly start: TaskStart
  readonly release: Effect.Effect<void, never, Store>
  /** Record the outcome with the write freeing the lock in the same statement (see VmLocks.freeing). */
  readonly freeing: Freeing
  /** With a lifecycle action: the VM as checked, its move, and the refusal if it changed meanwhile. */
  readonly moves?: { readonly vm: Vm; readonly step: Step; readonly busy: () => RuleViolation }
}

/** What the recording half of the runner needs of a declaration. */
interface Recording<W> {
  readonly operation: Operation
  readonly work: W
}

type Claim<C, P> = Effect.Effect<Claimed<C, P>, OperationError, OperationServices>

/** The rules, then what the work needs: the first refusal is the operation's answer. */
const check = <C, P>(
  op: {
    readonly operation: Operation
    readonly rules: ReadonlyArray<Rule<C>>
    readonly prepare?: (context: C) => Effect.Effect<P, OperationError, OperationServices>
  },
  build: Effect.Effect<C, OperationError, OperationServices>,
): Effect.Effect<Checked<C, P>, OperationError, OperationServices> =>
  Effect.gen(function* () {
    const context = yield* build
    yield* checkRules(op.operation, op.rules, context)
    const prepared = (op.prepare === undefined ? undefined : yield* op.prepare(context)) as P
    return { context, prepared }
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

const parentOf = (options: RunOptions) => (options.parentId === undefined ? {} : { parentId: options.parentId })

/**
 * The first half of the one protocol, for a VM's operation: read → check → lock → re-read and re-check under the
 * lock. A refusal never keeps the lock. The lock's claim reads the VM (and its counts) in the same round trip, so
 * the re-read costs no extra trip; the rules are checked again on what it read, so a change made between the first
 * check and the lock (deletion protection switched on) refuses the operation.
 *
 * When this agent recalls the VM as it last read it under its lock (VmLocks.recalled), the first read and check are
 * skipped: the operation goes straight to the lock, whose claim reads the VM afresh, and the check under the lock
 * decides alone (a refusal there frees the lock at once). A check of what was recalled could only decide whether to
 * go on to the lock, never answer (what was recalled may be older than a change), and #12 measured it at 0.15–0.3
 * ms of every such operation's critical path; the price is a refusal's: the lock taken and freed (two statements)
 * where a fresh read used to refuse (one). A busy VM still answers a rule's refusal first (below), as the checked
 * path does.
 */
const claimVm = <K extends Reads, I, C extends ReadContext["record"], P, W>(
  op: VmOperation<K, I, C, P, W>,
  actor: Actor,
  vmId: string,
  input: I,
  options: RunOptions,
): Claim<C, P> =>
  Effect.gen(function* () {
    const locks = yield* VmLocks
    const item = op.item?.(input)
    const recalled = op.locks === false ? undefined : recalledBase(op.reads, actor, locks.recalled(vmId))
    const { first, checked }: { readonly first: ReadContext[K]; readonly checked: Checked<C, P> | undefined } =
      recalled !== undefined
        ? { first: recalled, checked: undefined }
        : yield* readAndCheck(op, actor, vmId, input).pipe(Effect.tapError(forgetGone(locks, vmId)))
    // Without a lock (watching a console changes nothing) there is nothing to re-check under.
    const held =
      op.locks === false
        ? undefined
        : yield* locks.acquire(op.operation, checked?.context ?? first, { facts: op.reads !== "record", item }).pipe(
            // Unchecked before the lock, a busy VM answers as the checked path would: a rule's refusal first.
            Effect.catchTag("RuleViolation", (busy) =>
              checked === undefined
                ? Effect.andThen(readAndCheck(op, actor, vmId, input), Effect.fail(busy))
                : Effect.fail(busy),
            ),
            Effect.tapError(forgetGone(locks, vmId)),
          )
    const release = held === undefined ? Effect.void : locks.release(vmId)
    return yield* Effect.gen(function* () {
      const { context, prepared } =
        held === undefined
          ? (checked as Checked<C, P>)
          : yield* Effect.gen(function* () {
              const base = yield* freshBase(op.reads, first, held)
              locks.remember(recallOf(base))
              // Who may see the VM is checked again too: what was recalled may be older than a change of owner.
              if (!canSee(actor, base.vm)) return yield* new NotFound({ resource: "vm", id: vmId })
              yield* checkExpectedVersion(base.vm)
              return yield* check<C, P>(op, op.context(base, input, claimedOf(item, held)))
            })
      const step = yield* transitionOf(op as never, context)
      const start: TaskStart = {
        operation: op.operation,
        actor,
        scope: scopeOf(context.vm),
        vmId: context.vm.id,
        ...op.task(context, input),
        ...parentOf(options),
      }
      const moves =
        step === undefined
          ? {}
          : // The refusal is made only if needed: a RuleViolation's construction validates its fields (a profile showed it).
            { moves: { vm: context.vm, step, busy: () => violation(op.operation, vmBusy, context) } }
      const freeing: Claimed<C, P>["freeing"] = (write) =>
        held === undefined ? write(undefined) : locks.freeing(vmId, write)
      return { context, prepared, start, release, freeing, ...moves }
    }).pipe(Effect.onError(() => release))
  })

/** The item as the claim read it, for the declaration's context. */
const claimedOf = (item: ItemRef | undefined, held: HeldLock): ClaimedItem =>
  item === undefined || held.item === undefined
    ? {}
    : item.kind === "snapshot"
      ? { snapshot: held.item as Snapshot }
      : { disk: held.item as Disk }

/** A VM that is gone is forgotten by this agent too. */
const forgetGone =
  (locks: VmLocks["Service"], vmId: string) =>
  (error: OperationError): Effect.Effect<void> =>
    Effect.sync(() => {
      if (error._tag === "NotFound") locks.forget(vmId)
    })

/** The first read and check, from the database. */
const readAndCheck = <K extends Reads, I, C extends ReadContext["record"], P, W>(
  op: VmOperation<K, I, C, P, W>,
  actor: Actor,
  vmId: string,
  input: I,
) =>
  Effect.gen(function* () {
    const first = yield* readVisibleBase(op.reads, actor, vmId)
    yield* checkExpectedVersion(first.vm)
    const checked: Checked<C, P> = yield* check<C, P>(op, op.context(first, input))
    return { first, checked }
  })

/** The checking half alone, as the runner checks before the lock: the checked context and what the work needs. */
export const checkVmOperation = <K extends Reads, I, C extends ReadContext["record"], P, W>(
  op: VmOperation<K, I, C, P, W>,
  actor: Actor,
  vmId: string,
  input: I,
) => Effect.map(readAndCheck(op, actor, vmId, input), ({ checked }) => checked)

/** The same for an item no VM holds (a detached disk): read → check, with no VM to lock. */
const claimAlone = <I, C, P, W>(
  op: AloneOperation<I, C, P, W>,
  actor: Actor,
  input: I,
  options: RunOptions,
): Claim<C, P> =>
  Effect.gen(function* () {
    const { context, prepared } = yield* check<C, P>(op, op.context(actor, input))
    const { scope, ...fields } = op.task(context, input)
    const start: TaskStart = { operation: op.operation, actor, scope, ...fields, ...parentOf(options) }
    return { context, prepared, start, release: Effect.void, freeing: (write) => write(undefined) }
  })

/** The second half for a change of records: record the task → write → free the lock → settle. */
const runRecord = <C, P, A>(op: Recording<RecordWork<C, P, A>>, claim: Claim<C, P>) =>
  Effect.gen(function* () {
    const { context, prepared, release, freeing, start } = yield* claim
    const task = yield* beginTask(start).pipe(Effect.onError(() => release))
    const exit = yield* Effect.exit(op.work.write(context, prepared))
    // An edit changes the VM's record: what this agent recalls of it is older than its write.
    if (start.vmId !== undefined) (yield* VmLocks).forget(start.vmId)
    const recorded = op.work.result === undefined ? exit : Exit.map(exit, op.work.result)
    // The outcome frees the VM in the same statement, before it is announced: whoever sees "succeeded" may act on
    // the VM at once.
    const finish = Effect.map(settleTask(task, start.scope, recorded, {}, freeing), ({ task }) => task)
    // The database away: the caller is answered now (503), the task's outcome written (and the VM freed) once it is
    // back (#14). Any other failure to record frees the VM on its own.
    const background = yield* Background
    const finished = yield* finish.pipe(
      Effect.tapError((error) =>
        error._tag === "StoreError" && error.retryable
          ? background.fork(untilWritten(`recording ${op.operation}'s outcome`, finish))
          : release,
      ),
    )
    if (Exit.isFailure(exit)) return yield* Effect.failCause(exit.cause)
    return { task: finished, value: exit.value }
  })

/** The context the work sees: with a lifecycle action, the VM as moved to its transient state. */
const withVm = <C>(context: C, vm: Vm | undefined): C => (vm === undefined ? context : ({ ...context, vm } as C))

/** How the outcome moves the VM: to the table's stable state on success, or where a failure leaves it. */
const vmMoveOf = <C>(
  operation: Operation,
  onSuccess: BackgroundWork<C, never, never>["onSuccess"],
  moves: NonNullable<Claimed<C, unknown>["moves"]>,
  context: C,
  exit: Exit.Exit<unknown, unknown>,
): Effect.Effect<VmMove | undefined> => {
  const vmId = moves.vm.id
  if (Exit.isFailure(exit)) {
    const reason = Cause.squash(exit.cause)
    const why = reason instanceof Error ? reason.message : String(reason)
    return Effect.succeed({ vmId, patch: { state: moves.step.onFailure, stateReason: why } })
  }
  const success: Effect.Effect<SuccessMove> =
    onSuccess === undefined ? Effect.succeed({ with: {} }) : onSuccess(context)
  return Effect.map(success, (how): VmMove | undefined =>
    how === "by-work" ? undefined : { vmId, patch: { ...how.with, state: moves.step.to, stateReason: operation } },
  )
}

/**
 * What this agent recalls of the VM after its settlement (VmLocks.recalled): the VM as moved at the start with the
 * settlement's fields, if nothing else wrote it meanwhile (its version one past the start's); else nothing.
 */
const rememberSettled = (
  locks: VmLocks["Service"],
  started: Vm | undefined,
  move: VmMove | undefined,
  moved: VmMoved | undefined,
) => {
  if (started === undefined) return
  if (move === undefined || moved === undefined || moved.version !== started.version + 1) {
    locks.forget(started.id)
    return
  }
  locks.rememberVm({ ...started, ...move.patch, version: moved.version, updatedAt: moved.updatedAt })
}

/**
 * The second half for work that takes time: record the operation's rows, the VM's transient state and the task,
 * run the work in the background, then settle the rows, the VM and the task, and free the lock.
 */
const runBackground = <C, P, R>(op: Recording<BackgroundWork<C, P, R>>, claim: Claim<C, P>) =>
  Effect.gen(function* () {
    const store = yield* Store
    const background = yield* Background
    const locks = yield* VmLocks
    const { context, prepared, release, freeing, start, moves } = yield* claim
    const work = op.work
    const started = yield* Effect.gen(function* () {
      const recording = yield* Deferred.make<{ readonly task: Task; readonly value: R; readonly vm?: Vm }, unknown>()
      const recorded = Effect.orDie(Deferred.await(recording))
      const body = work.overlap
        ? work.run(
            context,
            prepared,
            Effect.map(recorded, ({ value }) => value),
          )
        : Effect.flatMap(recorded, ({ value, vm }) => work.run(withVm(context, vm), prepared, Effect.succeed(value)))
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
          // The VM's move (interrupted: none, recovery reconciles), its lock freed, its own row settled and the task's
          // outcome are one statement, before any is announced: whoever sees the VM settled may act on it at once.
          // Should it fail for good, `release` below frees the lock.
          const move =
            moves === undefined || interrupted
              ? undefined
              : yield* vmMoveOf(op.operation, work.onSuccess, moves, context, exit)
          const own = Exit.isSuccess(exit) ? work.settles?.(context, exit.value, made.value.value) : undefined
          const settled = yield* untilWritten(
            `recording ${op.operation}'s outcome`,
            settleTask(made.value.task, start.scope, exit, { own, move, vm: made.value.vm ?? moves?.vm }, freeing),
          )
          finished = settled.task
          if (moves !== undefined) rememberSettled(locks, made.value.vm, move, settled.moved)
        }).pipe(Effect.catchCause((cause) => Effect.logError("could not record the outcome of a task", cause)))
      // With overlap the work starts at once: its preparation (a freeze request) is on its way before the records.
      const patient = Effect.provideService(body, Store, patientStore(store))
      const fiber = yield* background.fork(patient.pipe(Effect.onExit(settle), Effect.ensuring(release)), {
        startImmediately: work.overlap === true,
      })
      const task = yield* Effect.gen(function* () {
        const value = (work.record === undefined ? undefined : yield* work.record(context, prepared)) as R
        const row = work.row?.(context, prepared, value)
        if (moves === undefined) {
          const task = yield* beginTask(start, row)
          yield* Deferred.succeed(recording, { task, value })
          return task
        }
        // The VM's first step and the task go in one statement (both or neither): nothing to undo if it fails.
        if (row !== undefined) return yield* Effect.die(`${op.operation} moves its VM and records an own row`)
        const { task, vm } = yield* beginMovingTask(start, moves.vm, moves.step.via, op.operation).pipe(
          Effect.catchTag("VersionConflict", () => Effect.fail(moves.busy())),
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

type Work<C, P> = RecordWork<C, P, unknown> | BackgroundWork<C, P, unknown>

const runClaimed = <C, P>(op: Recording<Work<C, P>>, claim: Claim<C, P>) => {
  const run: Effect.Effect<unknown, OperationError, OperationServices> =
    op.work.kind === "record"
      ? runRecord(op as Recording<RecordWork<C, P, unknown>>, claim)
      : runBackground(op as Recording<BackgroundWork<C, P, unknown>>, claim)
  return Effect.withSpan(run, `operations.${op.operation}`)
}

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
  op: VmOperation<K, I, C, P, Work<C, P>>,
  actor: Actor,
  vmId: string,
  input: I,
  options: RunOptions = {},
): Effect.Effect<unknown, OperationError, OperationServices> {
  return runClaimed(op, claimVm(op, actor, vmId, input, options))
}

/** Run a declared operation on an item no VM holds (see AloneOperation): the runner's steps without a lock. */
export function runAloneOperation<I, C, P, R>(
  op: AloneOperation<I, C, P, BackgroundWork<C, P, R>>,
  actor: Actor,
  input: I,
  options?: RunOptions,
): Effect.Effect<TaskHandle, OperationError, OperationServices>
export function runAloneOperation<I, C, P>(
  op: AloneOperation<I, C, P, Work<C, P>>,
  actor: Actor,
  input: I,
  options: RunOptions = {},
): Effect.Effect<unknown, OperationError, OperationServices> {
  return runClaimed(op, claimAlone(op, actor, input, options))
}

/**
 * Run a declared operation on an item of a VM (see ItemOperation): held by a VM, it is that VM's operation, run as
 * runVmOperation runs it, under the VM's lock; alone, the same steps without a lock.
 */
export function runItemOperation<K extends Reads, I, C extends ReadContext["record"], P, Q, S, A>(
  op: ItemOperation<K, I, C, P, RecordWork<C, P, A>, Q, S, RecordWork<Q, S, A>>,
  actor: Actor,
  input: I,
  options?: RunOptions,
): Effect.Effect<{ readonly task: Task; readonly value: A }, OperationError, OperationServices>
export function runItemOperation<K extends Reads, I, C extends ReadContext["record"], P, Q, S, R1, R2>(
  op: ItemOperation<K, I, C, P, BackgroundWork<C, P, R1>, Q, S, BackgroundWork<Q, S, R2>>,
  actor: Actor,
  input: I,
  options?: RunOptions,
): Effect.Effect<TaskHandle, OperationError, OperationServices>
export function runItemOperation<K extends Reads, I, C extends ReadContext["record"], P, Q, S>(
  op: ItemOperation<K, I, C, P, Work<C, P>, Q, S, Work<Q, S>>,
  actor: Actor,
  input: I,
  options: RunOptions = {},
): Effect.Effect<unknown, OperationError, OperationServices> {
  return Effect.flatMap(op.holder(actor, input), (vmId) =>
    vmId === null
      ? runClaimed(op.alone, claimAlone(op.alone, actor, input, options))
      : runClaimed(op.held, claimVm(op.held, actor, vmId, input, options)),
  )
}

import { Cause, Effect, Exit, Fiber } from "effect"
import type { Driver } from "../driver/driver.ts"
import type { DriverError } from "../driver/errors.ts"
import type { NotFound, StoreError } from "../errors.ts"
import type { EventBus } from "../events/bus.ts"
import { type LifecycleAction, type StableState, transition } from "../lifecycle/index.ts"
import type { Operation, Task, Vm } from "../model/index.ts"
import type { VmContext } from "../rules/context.ts"
import { lifecycleState, vmBusy } from "../rules/lifecycle.ts"
import { violation } from "../rules/rule.ts"
import { Store } from "../store/ports.ts"
import { Background } from "./background.ts"
import { driverFor } from "./driver-for.ts"
import { beginTask, finishTask } from "./tasks.ts"
import { VmLocks } from "./vm-lock.ts"
import { moveVm, scopeOf } from "./vm-state.ts"

export interface TaskHandle {
  readonly task: Task
  /** Completes with the task's final record; the operation runs whether or not anyone waits. */
  readonly done: Effect.Effect<Task, StoreError | NotFound>
}

export type WorkError = DriverError | StoreError | NotFound

export interface LifecycleRun {
  readonly operation: Operation
  readonly action: LifecycleAction
  /** The checked context: its rules passed before this is called. */
  readonly context: VmContext
  readonly parentId?: string
  readonly params?: unknown
  /** The hypervisor's part, run in the background once the VM shows its transient state. */
  readonly work: (driver: Driver, vm: Vm) => Effect.Effect<unknown, WorkError, Store | EventBus>
  /** How a success is recorded; by default the VM moves to the table's stable state. */
  readonly onSuccess?: (vm: Vm, to: StableState) => Effect.Effect<unknown, unknown, Store | EventBus>
}

/**
 * validate → lock → transient state → task → driver (background) → stable state + task outcome + events.
 * A failure lands where the table says (error, or back where it began when nothing changed) with the reason.
 */
export const runLifecycle = Effect.fn("operations.runLifecycle")(function* (run: LifecycleRun) {
  const locks = yield* VmLocks
  const store = yield* Store
  const background = yield* Background
  const id = run.context.vm.id
  yield* locks.acquire(run.operation, run.context)

  const started = yield* Effect.gen(function* () {
    const fresh = yield* store.vms.get(id)
    const context = { ...run.context, vm: fresh }
    const step = transition(fresh.state, run.action)
    if (!step.ok) {
      return yield* violation(run.operation, step.reason === "busy" ? vmBusy : lifecycleState(run.action), context)
    }
    const driver = yield* driverFor(fresh)
    const moving = yield* moveVm(fresh, step.via, "platform", run.operation, {}, fresh.version).pipe(
      Effect.catchTag("VersionConflict", () => Effect.fail(violation(run.operation, vmBusy, context))),
    )
    const scope = scopeOf(fresh)
    const task = yield* beginTask({
      operation: run.operation,
      actor: run.context.actor,
      scope,
      vmId: id,
      ...(run.parentId === undefined ? {} : { parentId: run.parentId }),
      params: run.params ?? null,
    })

    const settle = (exit: Exit.Exit<unknown, unknown>) =>
      Effect.gen(function* () {
        if (Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)) return yield* finishTask(task, scope, exit)
        // A destroyed VM has no record left to move; its task is still recorded.
        const current = yield* store.vms.get(id).pipe(Effect.option)
        if (current._tag === "Some") {
          if (Exit.isSuccess(exit)) {
            if (run.onSuccess) yield* run.onSuccess(current.value, step.to)
            else yield* moveVm(current.value, step.to, "platform", run.operation)
          } else {
            const reason = Cause.squash(exit.cause)
            const why = reason instanceof Error ? reason.message : String(reason)
            yield* moveVm(current.value, step.onFailure, "platform", why)
          }
        }
        // Free the VM before the outcome is announced: whoever sees "succeeded" may act on the VM at once.
        yield* locks.release(id)
        return yield* finishTask(task, scope, exit)
      }).pipe(Effect.catchCause((cause) => Effect.logError("could not record the outcome of a task", cause)))

    const fiber = yield* background.fork(
      run.work(driver, moving).pipe(Effect.onExit(settle), Effect.ensuring(locks.release(id))),
    )
    const done = Fiber.await(fiber).pipe(Effect.flatMap(() => store.tasks.get(task.id)))
    return { task, done } satisfies TaskHandle
  }).pipe(Effect.onError(() => locks.release(id)))
  return started
})

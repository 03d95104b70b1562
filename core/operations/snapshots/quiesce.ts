import { Effect, Result } from "effect"
import type { Driver } from "../../driver/driver.ts"
import type { Vm } from "../../model/vm.ts"

/**
 * What happened to the guest's file systems around a snapshot or backup: frozen and thawed; not tried (not asked
 * for, the VM is not running, or the driver has no guest-agent freeze); or the freeze failed and the work went on.
 */
export type QuiesceOutcome = "frozen" | "not-requested" | "not-running" | "unsupported" | "freeze-failed"

/**
 * Run `work` with the guest's file systems frozen when that is asked for, the VM runs and the driver can: the
 * disks then hold what the guest has flushed. A freeze that fails never blocks the work (it is logged and the
 * outcome says so); the thaw runs whatever happened, and a failed thaw is logged as an error: the guest may hang.
 */
export const quiesced = <A, E, R>(driver: Driver, vm: Vm, wanted: boolean, work: Effect.Effect<A, E, R>) => {
  const quiesce = driver.quiesce
  const plain = (outcome: QuiesceOutcome) => Effect.map(work, (value) => ({ value, quiesce: outcome }))
  if (!wanted) return plain("not-requested")
  if (vm.state !== "running") return plain("not-running")
  if (quiesce === undefined) return plain("unsupported")
  return Effect.acquireUseRelease(
    quiesce.freeze(vm.hostname).pipe(
      Effect.tapError((error) => Effect.logWarning(`freezing ${vm.hostname}'s file systems failed; going on`, error)),
      Effect.result,
    ),
    (frozen) =>
      Effect.map(work, (value) => ({
        value,
        quiesce: (Result.isSuccess(frozen) ? "frozen" : "freeze-failed") as QuiesceOutcome,
      })),
    () =>
      quiesce.thaw(vm.hostname).pipe(
        Effect.asVoid,
        Effect.catch((error) => Effect.logError(`thawing ${vm.hostname}'s file systems failed`, error)),
      ),
  )
}

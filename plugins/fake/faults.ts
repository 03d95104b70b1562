import { Deferred, Effect } from "effect"
import { DriverError, type DriverErrorReason, HypervisorFailure } from "../../core/driver/errors.ts"
import type { FakeOperation } from "./operations.ts"

/** Fault injection, per contract operation; every setting lasts until it is used up, released or cleared. */
export interface Faults {
  /**
   * The next `count` calls of `operation` fail with `reason` (default: a retryable HypervisorFailure). Normally the
   * call changes nothing; with `applied` it takes effect first and then fails, like a reply lost after the
   * hypervisor acted (pair it with a Timeout reason).
   */
  failNext(
    operation: FakeOperation,
    count: number,
    reason?: DriverErrorReason,
    options?: { readonly applied?: boolean },
  ): Effect.Effect<void>
  /** Every later call of `operation` waits `ms` before it does anything. */
  delay(operation: FakeOperation, ms: number): Effect.Effect<void>
  /** Later calls of `operation` wait, without effect, until `release(operation)` or until they are interrupted. */
  hang(operation: FakeOperation): Effect.Effect<void>
  release(operation: FakeOperation): Effect.Effect<void>
  /** Completes once a call of `operation` is blocked on its hang: the moment a crash test may kill the agent. */
  hanging(operation: FakeOperation): Effect.Effect<void>
  /** Forget every fault and release every hung call. */
  clear(): Effect.Effect<void>
}

interface PlannedFailure {
  readonly reason: DriverErrorReason
  readonly applied: boolean
}

export interface FaultInjector {
  readonly faults: Faults
  /** Runs one contract call under the faults planned for its operation. */
  readonly around: <A>(operation: FakeOperation, call: Effect.Effect<A, DriverError>) => Effect.Effect<A, DriverError>
}

export const makeFaultInjector = (driver: string): FaultInjector => {
  const failures = new Map<FakeOperation, Array<PlannedFailure>>()
  const delays = new Map<FakeOperation, number>()
  const hangs = new Map<FakeOperation, Deferred.Deferred<void>>()
  const entered = new Map<FakeOperation, Deferred.Deferred<void>>()
  const enteredSignal = (operation: FakeOperation) => {
    const known = entered.get(operation)
    if (known) return known
    const signal = Deferred.makeUnsafe<void>()
    entered.set(operation, signal)
    return signal
  }

  const release = (operation: FakeOperation) =>
    Effect.suspend(() => {
      const hang = hangs.get(operation)
      hangs.delete(operation)
      return hang ? Deferred.succeed(hang, undefined).pipe(Effect.asVoid) : Effect.void
    })

  const faults: Faults = {
    failNext: (operation, count, reason, options) =>
      Effect.sync(() => {
        const planned = failures.get(operation) ?? []
        const failure: PlannedFailure = {
          reason: reason ?? new HypervisorFailure({ message: `injected ${operation} failure`, retryable: true }),
          applied: options?.applied ?? false,
        }
        for (let i = 0; i < count; i++) planned.push(failure)
        failures.set(operation, planned)
      }),
    delay: (operation, ms) => Effect.sync(() => void delays.set(operation, ms)),
    hang: (operation) =>
      Effect.sync(() => {
        if (!hangs.has(operation)) hangs.set(operation, Deferred.makeUnsafe<void>())
      }),
    release,
    hanging: (operation) => Deferred.await(enteredSignal(operation)),
    clear: () =>
      Effect.gen(function* () {
        failures.clear()
        delays.clear()
        yield* Effect.forEach([...hangs.keys()], release, { discard: true })
      }),
  }

  const around = <A>(operation: FakeOperation, call: Effect.Effect<A, DriverError>): Effect.Effect<A, DriverError> =>
    Effect.gen(function* () {
      const hang = hangs.get(operation)
      if (hang) {
        yield* Deferred.succeed(enteredSignal(operation), undefined)
        yield* Deferred.await(hang)
      }
      const ms = delays.get(operation)
      if (ms !== undefined && ms > 0) yield* Effect.sleep(ms)
      const planned = failures.get(operation)?.shift()
      if (!planned) return yield* call
      if (planned.applied) yield* call
      return yield* new DriverError({ driver, operation, reason: planned.reason })
    })

  return { faults, around }
}

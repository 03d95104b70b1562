import { Duration, Effect, Schedule } from "effect"
import { StoreError } from "../errors.ts"
import type { Store } from "../store/ports.ts"

/** How long between tries at most once the database is away: short enough to settle within seconds of its return. */
export const outcomeRetryCeiling = Duration.seconds(2)

const storeAway = (error: unknown) => error instanceof StoreError && error.retryable

/**
 * Write a record that must not be lost (a task's outcome, a VM's settled state). While the database is away (a
 * retryable StoreError: no connection, disk full, read-only) the write is tried again, 50 ms at first and backing
 * off to every 2 s, until it goes through; any other failure fails at once. Our records are the only place an outcome
 * lives, so giving up would leave a VM "stopping" and its task "running" until a restart (#14, H1).
 */
export const untilWritten = <A, E, R>(what: string, write: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  write.pipe(
    Effect.catchIf(storeAway, (first) =>
      Effect.logWarning(`${what}: the database is away (${String(first)}); trying again until it is back`).pipe(
        Effect.andThen(
          write.pipe(
            Effect.retry({
              while: storeAway,
              schedule: Schedule.min([Schedule.exponential("50 millis"), Schedule.spaced(outcomeRetryCeiling)]),
            }),
          ),
        ),
        Effect.tap(() => Effect.logInfo(`${what}: written now that the database is back`)),
      ),
    ),
  )

type AnyStore = Store["Service"]

/**
 * The store as an operation's background work sees it: every call waits out a database that is away instead of
 * failing the work. A snapshot QEMU has taken, a disk it has made, is then recorded once the database is back,
 * rather than recorded failed though it exists (#14). Requests keep the plain store: they answer 503 at once.
 */
export const patientStore = (store: AnyStore): AnyStore => {
  const known = patientStores.get(store)
  if (known !== undefined) return known
  const patient = makePatientStore(store)
  patientStores.set(store, patient)
  return patient
}

/** Made once per store (#12: wrapping its ~160 calls took 12–25 µs of every background operation). */
const patientStores = new WeakMap<AnyStore, AnyStore>()

const makePatientStore = (store: AnyStore): AnyStore => {
  const wrapped: Record<string, unknown> = {}
  for (const [name, repository] of Object.entries(store)) {
    if (typeof repository !== "object" || repository === null) {
      wrapped[name] = repository
      continue
    }
    const calls: Record<string, unknown> = {}
    for (const [method, call] of Object.entries(repository as unknown as Record<string, unknown>)) {
      calls[method] =
        typeof call === "function"
          ? (...args: ReadonlyArray<unknown>) => {
              const result = (call as (...a: ReadonlyArray<unknown>) => unknown)(...args)
              return Effect.isEffect(result) ? untilWritten(`${name}.${method}`, result) : result
            }
          : call
    }
    wrapped[name] = calls
  }
  return wrapped as unknown as AnyStore
}

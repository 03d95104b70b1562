import { Duration, Effect, Schedule } from "effect"
import { StoreError } from "../errors.ts"

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

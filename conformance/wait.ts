import { Effect, Schedule } from "effect"
import { CaseFailure, describeError } from "./failure.ts"

/**
 * Repeats `attempt` every `pollMs` until it succeeds; a failure means "not yet". After `timeoutMs` the case fails,
 * naming what it waited for and the last answer it got.
 */
export const waitUntil = <A, E>(
  what: string,
  attempt: Effect.Effect<A, E>,
  timing: { readonly timeoutMs: number; readonly pollMs: number },
): Effect.Effect<A, CaseFailure> => {
  let last = "no answer yet"
  return attempt.pipe(
    Effect.tapError((error) =>
      Effect.sync(() => {
        last = describeError(error)
      }),
    ),
    Effect.retry(Schedule.spaced(timing.pollMs)),
    Effect.timeoutOrElse({
      duration: timing.timeoutMs,
      orElse: () => Effect.fail(new CaseFailure({ message: `${what}: not within ${timing.timeoutMs} ms (${last})` })),
    }),
    // The schedule never gives up, so only the timeout's failure gets here; the mapping is for the type.
    Effect.mapError((error) =>
      error instanceof CaseFailure ? error : new CaseFailure({ message: `${what}: ${describeError(error)}` }),
    ),
  )
}

/** Succeeds with the value when `holds` says so, else fails with the description of what was seen instead. */
export const expecting = <A, E>(
  effect: Effect.Effect<A, E>,
  holds: (value: A) => boolean,
  describe: (value: A) => string,
): Effect.Effect<A, E | CaseFailure> =>
  Effect.flatMap(effect, (value) =>
    holds(value) ? Effect.succeed(value) : Effect.fail(new CaseFailure({ message: describe(value) })),
  )

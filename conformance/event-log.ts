import { Effect, type Scope, Stream } from "effect"
import type { Driver, DriverEvent } from "../core/driver/driver.ts"
import { CaseFailure } from "./failure.ts"
import { waitUntil } from "./wait.ts"

/** Every event the driver reported since the run began, in arrival order. */
export interface EventLog {
  /** Where the log ends now: reads "since" a mark see only what came after it. */
  readonly mark: () => number
  readonly since: (mark: number, names: ReadonlyArray<string>) => ReadonlyArray<DriverEvent>
  /** The first event after `mark` that matches; fails after `timeoutMs`. */
  readonly waitFor: (
    mark: number,
    what: string,
    matches: (event: DriverEvent) => boolean,
    timeoutMs: number,
  ) => Effect.Effect<DriverEvent, CaseFailure>
}

/**
 * Subscribes to the driver's events for the scope. Started once per run, right after the driver is built, so the
 * subscription is in place long before any case makes a guest do something.
 */
export const makeEventLog = (
  driver: Driver,
  timing: { readonly pollMs: number; readonly subscribeMs: number },
): Effect.Effect<EventLog, never, Scope.Scope> =>
  Effect.gen(function* () {
    const seen: Array<DriverEvent> = []
    yield* driver.events.pipe(
      Stream.runForEach((event) => Effect.sync(() => seen.push(event))),
      Effect.forkScoped,
    )
    // Let the consumer subscribe before anything can happen; nothing in the contract says when it has.
    yield* Effect.sleep(timing.subscribeMs)

    return {
      mark: () => seen.length,
      since: (mark, names) => seen.slice(mark).filter((event) => names.includes(event.name)),
      waitFor: (mark, what, matches, timeoutMs) =>
        waitUntil(
          `a ${what} event`,
          Effect.suspend(() => {
            const found = seen.slice(mark).find(matches)
            return found
              ? Effect.succeed(found)
              : Effect.fail(new CaseFailure({ message: `events so far: ${list(seen.slice(mark))}` }))
          }),
          { timeoutMs, pollMs: timing.pollMs },
        ),
    }
  })

export const list = (events: ReadonlyArray<DriverEvent>): string =>
  events.length === 0 ? "none" : events.map((event) => `${event.name} ${event.kind}`).join(", ")

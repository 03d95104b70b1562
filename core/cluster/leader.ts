import { Context, Effect, Layer, Stream, SubscriptionRef } from "effect"

/**
 * Which agent runs the cluster's jobs (the scheduler now; HA, reclaim, alarms and cost later): exactly one at a
 * time, chosen by the database (core/cluster/advisory-lock.ts), never by agents voting among themselves.
 */
export class Leadership extends Context.Service<
  Leadership,
  {
    /** True while this agent holds the leader lock; every change is published. */
    readonly leading: SubscriptionRef.SubscriptionRef<boolean>
  }
>()("hyperx/core/cluster/Leadership") {
  /** One agent alone (PGlite, or tests of one host): it always leads. */
  static readonly layerAlone = Layer.effect(
    Leadership,
    Effect.map(SubscriptionRef.make(true), (leading) => Leadership.of({ leading })),
  )
}

/** Waits until leadership reads `value` (at once if it does now). */
export const awaitLeading = (value: boolean) =>
  Leadership.use(({ leading }) =>
    SubscriptionRef.changes(leading).pipe(
      Stream.filter((now) => now === value),
      Stream.take(1),
      Stream.runDrain,
    ),
  )

/**
 * Runs `job` while this agent leads: started when it gains the lead, interrupted the moment it loses it, started
 * again when it gains it back. Never ends by itself. A job that ends (or fails) early waits for the next term.
 */
export const whileLeader = <A, E, R>(job: Effect.Effect<A, E, R>) =>
  Effect.forever(
    Effect.gen(function* () {
      yield* awaitLeading(true)
      yield* Effect.raceFirst(
        job.pipe(
          Effect.catchCause((cause) => Effect.logError("a leader's job failed", cause)),
          Effect.andThen(Effect.never),
        ),
        awaitLeading(false),
      )
    }),
  )

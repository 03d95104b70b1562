import { Effect, PubSub, Queue } from "effect"
import type { QmpEvent } from "../qmp/events.ts"
import type { QmpMonitor } from "../qmp/monitor.ts"

export interface Wakeup {
  /** Returns at the next event `notes` said yes to since the last call, or after `ms` without one. */
  readonly next: (ms: number) => Effect.Effect<void>
}

/**
 * A migration's waits react to QEMU's events at once instead of the next poll (at the switch-over every poll is
 * downtime). `notes` sees every event of the monitor, in order, from the moment this is made (the subscription lives
 * in the caller's scope): it records what it needs and says whether a waiter should look again. The waiters still
 * wake after their own interval without an event: they sample progress then, and an event missed costs one interval.
 */
export const wakeOnEvents = (monitor: QmpMonitor, notes: (event: QmpEvent) => boolean) =>
  Effect.gen(function* () {
    // One pending wake-up is enough: a waiter looks at the whole state when it wakes.
    const wakes = yield* Queue.sliding<void>(1)
    const subscription = yield* monitor.subscribe
    yield* Effect.forkScoped(
      Effect.forever(
        PubSub.take(subscription).pipe(
          Effect.flatMap((event) => (notes(event) ? Queue.offer(wakes, undefined) : Effect.void)),
        ),
      ),
    )
    const wakeup: Wakeup = { next: (ms) => Queue.take(wakes).pipe(Effect.timeoutOption(ms), Effect.asVoid) }
    return wakeup
  })

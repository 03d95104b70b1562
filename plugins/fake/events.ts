import { Effect, PubSub, Stream, SubscriptionRef } from "effect"
import type { DriverEvent } from "../../core/driver/driver.ts"

export interface EventHub {
  /** The driver's `events`: each run subscribes and sees what is published from then on, in order. */
  readonly events: Stream.Stream<DriverEvent>
  readonly publish: (event: DriverEvent) => Effect.Effect<void>
  /**
   * Waits until at least `count` runs of `events` are subscribed. A forked consumer subscribes some time after the
   * fork; a test waits here before simulating, or the event would go to nobody.
   */
  readonly awaitSubscribers: (count: number) => Effect.Effect<void>
}

export const makeEventHub = Effect.gen(function* () {
  const pubsub = yield* PubSub.unbounded<DriverEvent>()
  const subscribers = yield* SubscriptionRef.make(0)

  const events = Stream.unwrap(
    Effect.gen(function* () {
      const subscription = yield* PubSub.subscribe(pubsub)
      yield* Effect.acquireRelease(
        SubscriptionRef.update(subscribers, (n) => n + 1),
        () => SubscriptionRef.update(subscribers, (n) => n - 1),
      )
      return Stream.fromSubscription(subscription)
    }),
  )

  const hub: EventHub = {
    events,
    publish: (event) => PubSub.publish(pubsub, event).pipe(Effect.asVoid),
    awaitSubscribers: (count) =>
      SubscriptionRef.changes(subscribers).pipe(
        Stream.filter((n) => n >= count),
        Stream.take(1),
        Stream.runDrain,
      ),
  }
  return hub
})

import { Context, Effect, Layer, PubSub, type Scope, Stream } from "effect"
import type { PlatformEvent } from "../model/event.ts"

/** Task progress and VM state changes, for the agent's WebSocket and for tests that follow an operation. */
export class EventBus extends Context.Service<
  EventBus,
  {
    readonly publish: (event: PlatformEvent) => Effect.Effect<void>
    /** Subscribe now (nothing published after this is missed) and read the events as a stream. */
    readonly subscribe: Effect.Effect<Stream.Stream<PlatformEvent>, never, Scope.Scope>
  }
>()("hyperx/core/events/EventBus") {
  static readonly layer = Layer.effect(
    EventBus,
    Effect.gen(function* () {
      const pubsub = yield* PubSub.unbounded<PlatformEvent>()
      return EventBus.of({
        publish: (event) => PubSub.publish(pubsub, event).pipe(Effect.asVoid),
        subscribe: Effect.map(PubSub.subscribe(pubsub), Stream.fromSubscription),
      })
    }),
  )
}

import { Context, Effect, type Fiber, Layer } from "effect"

/**
 * Where operations run after their task is recorded: fibers owned by the core's scope, so that shutting the
 * agent down interrupts them and their tasks are recorded as interrupted (recovery takes it from there).
 */
export class Background extends Context.Service<
  Background,
  {
    /** `startImmediately`: run the fiber at once up to its first wait, before the caller goes on. */
    readonly fork: <A, E, R>(
      effect: Effect.Effect<A, E, R>,
      options?: { readonly startImmediately?: boolean },
    ) => Effect.Effect<Fiber.Fiber<A, E>, never, R>
  }
>()("hyperx/core/operations/Background") {
  static readonly layer = Layer.effect(
    Background,
    Effect.gen(function* () {
      const scope = yield* Effect.scope
      return Background.of({ fork: (effect, options) => Effect.forkIn(effect, scope, options) })
    }),
  )
}

import { Context, Effect, type Fiber, Layer } from "effect"

/**
 * Where operations run after their task is recorded: fibers owned by the core's scope, so that shutting the
 * agent down interrupts them and their tasks are recorded as interrupted (recovery takes it from there).
 */
export class Background extends Context.Service<
  Background,
  { readonly fork: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<Fiber.Fiber<A, E>, never, R> }
>()("hyperx/core/operations/Background") {
  static readonly layer = Layer.effect(
    Background,
    Effect.gen(function* () {
      const scope = yield* Effect.scope
      return Background.of({ fork: (effect) => Effect.forkIn(effect, scope) })
    }),
  )
}

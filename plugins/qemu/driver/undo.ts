import { Effect } from "effect"

/** Registers how to take back a step that succeeded. */
export type OnUndo = (undo: Effect.Effect<unknown, unknown>) => Effect.Effect<void>

/**
 * Runs a multi-step operation that registers an undo after each step it completes; if a later step fails, the undos
 * run newest first (best effort) and the original failure stands, as Incus's revert helper does.
 */
export const withUndo = <A, E, R>(body: (onUndo: OnUndo) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    const undos: Array<Effect.Effect<unknown, unknown>> = []
    const onUndo: OnUndo = (undo) => Effect.sync(() => void undos.push(undo))
    return body(onUndo).pipe(
      Effect.onError(() => Effect.forEach(undos.reverse(), (undo) => Effect.ignore(undo), { discard: true })),
    )
  })

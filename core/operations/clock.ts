import { Clock, Effect } from "effect"

/** Now, from Effect's clock so that tests can move time. */
export const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

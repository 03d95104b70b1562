import { Effect, Schema } from "effect"
import type { QgaAgent, QgaCallOptions } from "../agent.ts"
import type { QgaError } from "../errors.ts"
import { runDecoded } from "./run.ts"

/** Flushes and freezes every guest file system; returns how many were frozen. */
export const guestFsfreezeFreeze = (agent: QgaAgent, options?: QgaCallOptions): Effect.Effect<number, QgaError> =>
  runDecoded(agent, "guest-fsfreeze-freeze", undefined, Schema.Number, options)

/** Thaws them; returns how many were thawed. */
export const guestFsfreezeThaw = (agent: QgaAgent, options?: QgaCallOptions): Effect.Effect<number, QgaError> =>
  runDecoded(agent, "guest-fsfreeze-thaw", undefined, Schema.Number, options)

export const guestFsfreezeStatus = (
  agent: QgaAgent,
  options?: QgaCallOptions,
): Effect.Effect<"thawed" | "frozen", QgaError> =>
  runDecoded(agent, "guest-fsfreeze-status", undefined, Schema.Literals(["thawed", "frozen"]), options)

/**
 * Runs `effect` with the guest's file systems frozen (consistent disk snapshots and backups), thawing afterwards
 * whatever happens. A frozen guest blocks its writers, so keep `effect` short.
 */
export const withFrozenFileSystems = <A, E, R>(
  agent: QgaAgent,
  effect: Effect.Effect<A, E, R>,
): Effect.Effect<A, E | QgaError, R> =>
  Effect.acquireUseRelease(
    guestFsfreezeFreeze(agent),
    () => effect,
    () => Effect.ignore(guestFsfreezeThaw(agent)),
  )

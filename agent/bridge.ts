import { Effect, Exit } from "effect"
import { ExpectedVersion } from "../core/index.ts"
import type { AgentRuntime, AgentServices } from "./env.ts"
import { errorOfCause } from "./errors/from-cause.ts"

/**
 * Run a core effect for a request on the agent's one runtime. A typed failure is thrown as the ApiError it maps to
 * (the app's error handler answers it); anything else is thrown as is and answered as a logged 500. The versions an
 * If-Match header expects (agent/middleware/if-match.ts) go with it: the core's VM operations check them.
 */
export const runEffect = async <A, E>(
  c: { readonly var: { readonly runtime: AgentRuntime; readonly expectedVersions?: ReadonlyArray<number> } },
  effect: Effect.Effect<A, E, AgentServices>,
): Promise<A> => {
  const expected = c.var.expectedVersions
  const exit = await c.var.runtime.runPromiseExit(
    expected === undefined ? effect : Effect.provideService(effect, ExpectedVersion, expected),
  )
  if (Exit.isSuccess(exit)) return exit.value
  throw errorOfCause(exit.cause)
}

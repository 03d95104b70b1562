import type { Effect } from "effect"
import { Exit } from "effect"
import type { AgentRuntime, AgentServices } from "./env.ts"
import { errorOfCause } from "./errors/from-cause.ts"

/**
 * Run a core effect for a request on the agent's one runtime. A typed failure is thrown as the ApiError it maps to
 * (the app's error handler answers it); anything else is thrown as is and answered as a logged 500.
 */
export const runEffect = async <A, E>(
  c: { readonly var: { readonly runtime: AgentRuntime } },
  effect: Effect.Effect<A, E, AgentServices>,
): Promise<A> => {
  const exit = await c.var.runtime.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  throw errorOfCause(exit.cause)
}

import { createMiddleware } from "hono/factory"
import type { AgentEnv, AgentRuntime } from "../env.ts"

/** Puts the agent's one runtime on every request, for `runEffect`. */
export const provideRuntime = (runtime: AgentRuntime) =>
  createMiddleware<AgentEnv>(async (c, next) => {
    c.set("runtime", runtime)
    await next()
  })

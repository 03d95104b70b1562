import type { Layer, ManagedRuntime } from "effect"
import type { coreLayer, Lang, Store } from "../core/index.ts"
import type { Actor } from "../core/rules/context.ts"

/** What every handler may use: the core's services over a store (PostgreSQL). */
export type AgentServices = Layer.Success<ReturnType<typeof coreLayer>> | Store

/** The one runtime the agent builds at start-up and disposes on shutdown; every request runs on it. */
export type AgentRuntime = ManagedRuntime.ManagedRuntime<AgentServices, unknown>

/** Hono's per-request variables: set by the middleware factories in agent/middleware. */
export interface AgentVariables {
  readonly runtime: AgentRuntime
  /** Set by the bearer-token check; present on every authenticated route. */
  readonly actor: Actor
  /** The caller's language for messages and exports (Accept-Language or ?lang=). */
  readonly lang: Lang
  /** The VM versions an If-Match header names, on the VM routes that change something (agent/middleware/if-match.ts). */
  readonly expectedVersions?: ReadonlyArray<number>
}

export interface AgentEnv {
  Variables: AgentVariables
}

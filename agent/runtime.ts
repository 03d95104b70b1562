import { Layer, ManagedRuntime } from "effect"
import { coreLayer, type Driver, type HostConfig, type Store, type StoreError } from "../core/index.ts"
import type { AgentRuntime } from "./env.ts"

export interface AgentRuntimeOptions {
  /** The store: `layerPostgres(url)`: the embedded server's URL for one host, DATABASE_URL for a cluster. */
  readonly store: Layer.Layer<Store, StoreError>
  readonly host: HostConfig["Service"]
  readonly drivers: ReadonlyArray<Driver>
}

/** The agent's one ManagedRuntime: the core's services over the store. Dispose it on shutdown (SIGTERM). */
export const makeAgentRuntime = (options: AgentRuntimeOptions): AgentRuntime =>
  ManagedRuntime.make(Layer.merge(coreLayer({ host: options.host, drivers: options.drivers }), options.store))

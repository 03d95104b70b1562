import { Layer, ManagedRuntime } from "effect"
import { layerPersistedEvents } from "../core/events/persisted.ts"
import { coreLayer, DomainJoin, type Driver, type HostConfig, type Store, type StoreError } from "../core/index.ts"
import type { AgentRuntime } from "./env.ts"

export interface AgentRuntimeOptions {
  /** The store: `layerPostgres(url)`: the embedded server's URL for one host, DATABASE_URL for a cluster. */
  readonly store: Layer.Layer<Store, StoreError>
  readonly host: HostConfig["Service"]
  readonly drivers: ReadonlyArray<Driver>
  /** C2, R8: the domain-join plug-in Windows VMs with the "domain-join" component call at their first start. */
  readonly domainJoin?: DomainJoin["Service"]
}

/** The agent's one ManagedRuntime: the core's services over the store. Dispose it on shutdown (SIGTERM). */
export const makeAgentRuntime = (options: AgentRuntimeOptions): AgentRuntime => {
  // #21 G4: events kept in the events table, so `/events?since=` replays across restarts and agents.
  const core = Layer.provideMerge(
    coreLayer({ host: options.host, drivers: options.drivers, events: layerPersistedEvents() }),
    options.store,
  )
  return ManagedRuntime.make(
    options.domainJoin === undefined ? core : Layer.merge(core, Layer.succeed(DomainJoin, options.domainJoin)),
  )
}

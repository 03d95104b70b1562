import { Effect, Layer, ManagedRuntime } from "effect"
import { layerEventRelay } from "../../core/cluster/event-relay.ts"
import { FencedHeartbeatLayer } from "../../core/cluster/fencing.ts"
import { FailoverLayer } from "../../core/cluster/ha.ts"
import { Leadership } from "../../core/cluster/leader.ts"
import { HeartbeatLayer } from "../../core/cluster/membership.ts"
import { type PeerCalls, Peers } from "../../core/cluster/peers.ts"
import { HostConfig } from "../../core/config.ts"
import type { HostDeviceSource } from "../../core/devices/source.ts"
import type { DriverFactory } from "../../core/driver/driver.ts"
import type { StoreError } from "../../core/errors.ts"
import { layerPersistedEvents, pruneEvents } from "../../core/events/persisted.ts"
import { coreLayer } from "../../core/layer.ts"
import type { HostNetwork } from "../../core/network/host-network.ts"
import { type MigrationPeerCalls, MigrationPeers } from "../../core/operations/migrate/peers.ts"
import { IncomingSweepLayer } from "../../core/operations/migrate/sweep.ts"
import { HostNetworking } from "../../core/operations/networks/host-networking.ts"
import { DriverWatchLayer } from "../../core/operations/watch.ts"
import { SchedulerLayer } from "../../core/scheduler/scheduler.ts"
import type { Store } from "../../core/store/ports.ts"
import type { AgentRuntime, AgentServices } from "../env.ts"

export interface RuntimeSetup {
  /** `layerPostgres(url)`: the embedded server's URL for one host, DATABASE_URL for a cluster. */
  readonly store: Layer.Layer<Store, StoreError>
  readonly host: HostConfig["Service"]
  /** The host's driver, built in the runtime's scope: disposing the runtime closes its sockets, not its VMs. */
  readonly driver: DriverFactory
  /** X1–X4: the host's passthrough devices (plugins/host-devices); default none. */
  readonly devices?: HostDeviceSource["Service"]
  /** Follow the driver's events (R12) and run the schedules (P2, V5); default true. */
  readonly background?: boolean
  /** The monitoring jobs (#20: metrics, alarms, cost, reclaim; agent/monitoring/jobs.ts), run with the background jobs. */
  readonly monitoring?: Layer.Layer<never, never, AgentServices | Leadership>
  /** #16: who runs the cluster's jobs: `layerLeaderLock({ url })` on PostgreSQL; default this agent alone. */
  readonly leadership?: Layer.Layer<Leadership>
  /** #15: the host's networking (plugins/linux-net); without it bridged NICs fall back to user-mode NAT. */
  readonly network?: Layer.Layer<HostNetwork, unknown>
  /** #16: in a cluster, how this agent reaches the others (agent/cluster/peers.ts); unset: this agent alone. */
  readonly peers?: PeerCalls
  /** R9: in a cluster, how this agent asks another host's agent for the target half of a live migration. */
  readonly migrationPeers?: MigrationPeerCalls
  /**
   * #16: the cluster's settings (timeouts, the shared storage directory), built over the store (the timeouts are the
   * database's: `clusterSettingsLayer`); default ClusterSettings' defaults.
   */
  readonly cluster?: Layer.Layer<never, unknown, Store | HostConfig>
  /** #16: the cluster's PostgreSQL, for every host's events on this agent's bus (LISTEN/NOTIFY); unset: its own only. */
  readonly eventRelayUrl?: string
  /** #21 G4: how long events are kept in the events table for `/events?since=`; default 15 minutes. */
  readonly eventRetentionMs?: number
  /** #21: where the core's logs go (agent/log/effect-logger.ts); default Effect's console logger. */
  readonly logging?: Layer.Layer<never>
}

/**
 * The agent's one ManagedRuntime: the store, the driver, the core's services, and the background jobs (driver
 * watch, scheduler). The store is built first and released last, so that tasks interrupted at shutdown can still
 * be recorded as interrupted; the driver's scope closes before it, leaving every VM running.
 */
export const makeStartRuntime = (setup: RuntimeSetup): AgentRuntime => {
  const retention = setup.eventRetentionMs === undefined ? {} : { retentionMs: setup.eventRetentionMs }
  const core = Layer.unwrap(
    Effect.map(setup.driver, (driver) =>
      coreLayer({
        host: setup.host,
        drivers: [driver],
        ...(setup.devices === undefined ? {} : { devices: setup.devices }),
        events: layerPersistedEvents(),
      }),
    ),
  )
  const hostLayer = Layer.succeed(HostConfig, setup.host)
  const leader = setup.leadership ?? Leadership.layerAlone
  // #16, R12: in a cluster the heartbeat fences this host's VMs when it cannot be renewed, and the leader fails over.
  const cluster = setup.peers !== undefined
  const jobs =
    setup.background === false
      ? Layer.empty
      : Layer.mergeAll(
          DriverWatchLayer,
          cluster ? FencedHeartbeatLayer : HeartbeatLayer,
          // R9: the target ends incoming migrations nobody will finish (their QEMU, their half-copied disks).
          cluster ? IncomingSweepLayer : Layer.empty,
          // One leader layer for every job that runs on the cluster's leader only (one lock session).
          Layer.mergeAll(
            SchedulerLayer,
            cluster ? FailoverLayer : Layer.empty,
            setup.monitoring ?? Layer.empty,
            Layer.effectDiscard(Effect.forkScoped(pruneEvents(retention))),
          ).pipe(Layer.provide(leader)),
          setup.eventRelayUrl === undefined ? Layer.empty : layerEventRelay(setup.eventRelayUrl),
        )
  const network = setup.network === undefined ? Layer.empty : HostNetworking.layer.pipe(Layer.provide(setup.network))
  const peers = Layer.mergeAll(
    setup.peers === undefined ? Layer.empty : Layer.succeed(Peers, setup.peers),
    setup.migrationPeers === undefined ? Layer.empty : Layer.succeed(MigrationPeers, setup.migrationPeers),
  )
  return ManagedRuntime.make(
    jobs.pipe(
      Layer.provideMerge(network),
      Layer.provideMerge(core),
      // Above the store and beside the core: the settings are read from the database before any job runs.
      Layer.provideMerge(setup.cluster === undefined ? Layer.empty : setup.cluster.pipe(Layer.provide(hostLayer))),
      Layer.provideMerge(setup.store),
      Layer.provideMerge(peers),
      Layer.provideMerge(setup.logging ?? Layer.empty),
    ),
  )
}

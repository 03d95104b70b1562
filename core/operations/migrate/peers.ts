import { Context, type Effect, Schema } from "effect"
import type { PeerUnreachable } from "../../cluster/peers.ts"
import type { IncomingEndpoint, MigrationStorage } from "../../driver/driver.ts"
import type { Host } from "../../model/host.ts"

/** Where a disk lives on the target after a move with local storage (its new path there). */
export const MovedDisk = Schema.Struct({ id: Schema.String, path: Schema.String })
export type MovedDisk = typeof MovedDisk.Type

/** What the target's agent answers once its hypervisor waits for the incoming guest (R9). */
export const Incoming = Schema.Struct({
  endpoint: Schema.Struct({
    host: Schema.String,
    port: Schema.Number,
    nbdPort: Schema.optionalKey(Schema.Number),
  }),
  /** The disks the target made for a move with local storage; empty with shared storage. */
  disks: Schema.Array(MovedDisk),
})
export interface Incoming {
  readonly endpoint: IncomingEndpoint
  readonly disks: ReadonlyArray<MovedDisk>
}

/**
 * R9: what the source's agent asks of the target's during a live migration, over the cluster's signed channel
 * (agent/cluster/migration.ts). Each call is the target half of the driver's migration group, run by that agent on
 * its own hypervisor for the VM the records still place on the source.
 */
export interface MigrationPeerCalls {
  readonly prepare: (host: Host, vmId: string, storage: MigrationStorage) => Effect.Effect<Incoming, PeerUnreachable>
  /** The guest runs on the target and is proven alive there. */
  readonly finish: (host: Host, vmId: string) => Effect.Effect<void, PeerUnreachable>
  /** Ends the incoming hypervisor and removes the disk files `prepare` made for the move (`made`). Idempotent. */
  readonly abort: (host: Host, vmId: string, made: ReadonlyArray<MovedDisk>) => Effect.Effect<void, PeerUnreachable>
}

/** Set on an agent of a cluster; unset, no host can be reached and a migration fails before anything moves. */
export const MigrationPeers = Context.Reference<MigrationPeerCalls | undefined>(
  "hyperx/core/operations/MigrationPeers",
  {
    defaultValue: () => undefined,
  },
)

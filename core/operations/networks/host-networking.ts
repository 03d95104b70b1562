import { Context, Effect, Layer, Semaphore } from "effect"
import { HostConfig } from "../../config.ts"
import { DriverError, HypervisorFailure } from "../../driver/errors.ts"
import type { StoreError } from "../../errors.ts"
import { desiredHostNetworks } from "../../network/desired.ts"
import { HostNetwork, type HostNetworkError, type HostTap } from "../../network/host-network.ts"
import { type SyncReport, syncHostNetworks } from "../../network/sync.ts"
import { Store } from "../../store/ports.ts"

type R<A> = Effect.Effect<A, DriverError | StoreError>

/** Host networking failed: the VM cannot get its NICs, which the task reports like a hypervisor failure. */
const asDriverError = (operation: string) => (error: HostNetworkError) =>
  new DriverError({
    driver: "host-network",
    operation,
    reason: new HypervisorFailure({ message: `${error.operation}: ${error.message}`, retryable: false }),
  })

/**
 * This host's networks made from the records (#15): the networks and taps its VMs' NICs need. One change at a time
 * (a semaphore), each reading the records under it, so a clean-up never removes a tap a VM starting at the same
 * moment has just been given. Optional: without it (the fake driver, core tests) NICs stay user-mode.
 */
export class HostNetworking extends Context.Service<
  HostNetworking,
  {
    /** The VM's networks (with every reservation this host serves on them) and its taps, before it starts. */
    readonly prepareVm: (vmId: string) => R<ReadonlyArray<HostTap>>
    /**
     * Make the host match the records: at agent start, after a VM is destroyed or a NIC removed, after a VM moved
     * away. `without`: a VM whose incoming migration here was just abandoned (its task still open) is left out.
     */
    readonly sync: (options?: { readonly without?: string }) => R<SyncReport>
  }
>()("hyperx/core/operations/HostNetworking") {
  static readonly layer: Layer.Layer<HostNetworking, never, HostNetwork | Store | HostConfig> = Layer.effect(
    HostNetworking,
    Effect.gen(function* () {
      const host = yield* HostNetwork
      const store = yield* Store
      const config = yield* HostConfig
      const lock = yield* Semaphore.make(1)
      /**
       * What this host must have: the NICs of its VMs outside the recycle bin, and of the VMs migrating here (R9: the
       * incoming hypervisor opens their taps, on the same networks, before the records move them here).
       */
      const desired = (without?: string) =>
        Effect.gen(function* () {
          const vms = yield* store.vms.list({ hostId: config.hostId })
          const incoming = yield* store.tasks.list({ operations: ["vm.migrate"], states: ["queued", "running"] })
          const ids = new Set([
            ...vms.map((vm) => vm.id),
            ...incoming.flatMap((task) => (task.targetId === config.hostId && task.vmId !== null ? [task.vmId] : [])),
          ])
          if (without !== undefined) ids.delete(without)
          const nics = (yield* store.nics.list()).filter((nic) => ids.has(nic.vmId))
          return desiredHostNetworks({
            networks: yield* store.networks.list(),
            subnets: yield* store.subnets.list(),
            nics,
          })
        })
      const provide = <A>(effect: Effect.Effect<A, HostNetworkError, HostNetwork>) =>
        Effect.provideService(effect, HostNetwork, host)
      return HostNetworking.of({
        prepareVm: Effect.fn("HostNetworking.prepareVm")(function* (vmId: string) {
          const wanted = yield* desired()
          const mine = new Set((yield* store.nics.list({ vmId })).map((nic) => nic.id))
          const taps = wanted.taps.filter((tap) => mine.has(tap.nicId))
          const networkIds = new Set(taps.map((tap) => tap.networkId))
          return yield* provide(
            Effect.gen(function* () {
              for (const network of wanted.networks) {
                if (networkIds.has(network.networkId)) yield* host.ensureNetwork(network)
              }
              return yield* Effect.forEach(taps, (tap) => host.ensureTap(tap))
            }),
          ).pipe(Effect.mapError(asDriverError("prepareVm")))
        }, lock.withPermits(1)),
        sync: Effect.fn("HostNetworking.sync")(function* (options?: { readonly without?: string }) {
          const wanted = yield* desired(options?.without)
          return yield* provide(syncHostNetworks(wanted)).pipe(Effect.mapError(asDriverError("sync")))
        }, lock.withPermits(1)),
      })
    }),
  )
}

/** Sync this host's networks when the agent has host networking; nothing otherwise. */
export const syncHostNetworkingWithout = (without?: string) =>
  Effect.serviceOption(HostNetworking).pipe(
    Effect.flatMap((networking) =>
      networking._tag === "Some"
        ? Effect.asVoid(networking.value.sync(without === undefined ? undefined : { without }))
        : Effect.void,
    ),
  )

/** Sync this host's networks when the agent has host networking; nothing otherwise. */
export const syncHostNetworking = syncHostNetworkingWithout()

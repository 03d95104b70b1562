import { Effect } from "effect"
import { HostNetwork, type HostNetworkSpec, type TapSpec } from "./host-network.ts"

/** What the records say this host must have: the networks its NICs use, and one tap per NIC with its guard. */
export interface DesiredHostNetworks {
  readonly networks: ReadonlyArray<HostNetworkSpec>
  readonly taps: ReadonlyArray<TapSpec>
}

export interface SyncReport {
  readonly removedTaps: ReadonlyArray<string>
  readonly removedNetworks: ReadonlyArray<string>
}

/**
 * Make the host match the records (at start, and after a NIC or network goes): ensure every network and tap, then
 * remove the taps and networks nothing needs any more. Ensuring first means a NIC never loses its link while
 * another network is being cleaned up.
 */
export const syncHostNetworks = Effect.fn("HostNetwork.sync")(function* (desired: DesiredHostNetworks) {
  const host = yield* HostNetwork
  for (const network of desired.networks) yield* host.ensureNetwork(network)
  for (const tap of desired.taps) yield* host.ensureTap(tap)
  const present = yield* host.list()
  const wantedTaps = new Set(desired.taps.map((tap) => tap.nicId))
  const wantedNetworks = new Set(desired.networks.map((network) => network.networkId))
  const removedTaps = present.taps.filter((tap) => !wantedTaps.has(tap.nicId)).map((tap) => tap.nicId)
  for (const nicId of removedTaps) yield* host.removeTap(nicId)
  const removedNetworks = present.networks
    .filter((network) => !wantedNetworks.has(network.networkId))
    .map((network) => network.networkId)
  for (const networkId of removedNetworks) yield* host.removeNetwork(networkId)
  return { removedTaps, removedNetworks } satisfies SyncReport
})

import { Effect, Layer, Ref } from "effect"
import {
  HostNetwork,
  HostNetworkError,
  type HostNetworkInfo,
  type HostNetworkSpec,
  type HostNetworkState,
  type HostTap,
  type TapGuard,
  type TapSpec,
} from "./host-network.ts"

interface FakeState {
  readonly networks: ReadonlyMap<string, { readonly spec: HostNetworkSpec; readonly info: HostNetworkInfo }>
  readonly taps: ReadonlyMap<string, HostTap>
  /** Each tap's source guard, by NIC id. */
  readonly guards: ReadonlyMap<string, TapGuard>
}

/** What the fake holds, for tests that check what the core asked the host for. */
export interface FakeHostNetworkView {
  readonly specs: () => Effect.Effect<ReadonlyArray<HostNetworkSpec>>
  /** The guard each tap was last ensured with (N3, N4: the NIC's MAC and current addresses). */
  readonly guards: () => Effect.Effect<ReadonlyMap<string, TapGuard>>
}

/** HostNetwork in memory, with the real one's rules: a tap needs its network; a VNI serves one network. */
export const makeFakeHostNetwork = Effect.gen(function* () {
  const state = yield* Ref.make<FakeState>({ networks: new Map(), taps: new Map(), guards: new Map() })
  const fail = (operation: string, message: string) => Effect.fail(new HostNetworkError({ operation, message }))

  const ensureNetwork = (spec: HostNetworkSpec) =>
    Effect.gen(function* () {
      const current = yield* Ref.get(state)
      const vni = spec.vxlan?.vni
      const clash = [...current.networks.values()].find(
        (other) => vni !== undefined && other.spec.networkId !== spec.networkId && other.spec.vxlan?.vni === vni,
      )
      if (clash) return yield* fail("ensureNetwork", `VNI ${vni} already carries network ${clash.spec.networkId}`)
      const info: HostNetworkInfo = {
        networkId: spec.networkId,
        bridge: `fakebr-${spec.networkId.slice(0, 8)}`,
        dhcp: spec.subnets.some((subnet) => subnet.dhcp),
        ...(vni === undefined ? {} : { vxlan: { device: `fakevx-${spec.networkId.slice(0, 8)}`, vni } }),
      }
      yield* Ref.update(state, (s) => ({ ...s, networks: new Map(s.networks).set(spec.networkId, { spec, info }) }))
      return info
    })

  const ensureTap = ({ guard, ...nic }: TapSpec) =>
    Effect.gen(function* () {
      const current = yield* Ref.get(state)
      if (!current.networks.has(nic.networkId))
        return yield* fail("ensureTap", `network ${nic.networkId} is not on this host`)
      const tap: HostTap = { ...nic, tap: `faketap-${nic.nicId.slice(0, 8)}` }
      yield* Ref.update(state, (s) => {
        const guards = new Map(s.guards)
        if (guard === undefined) guards.delete(nic.nicId)
        else guards.set(nic.nicId, guard)
        return { ...s, taps: new Map(s.taps).set(nic.nicId, tap), guards }
      })
      return tap
    })

  const removeTap = (nicId: string) =>
    Ref.update(state, (s) => {
      const taps = new Map(s.taps)
      const guards = new Map(s.guards)
      taps.delete(nicId)
      guards.delete(nicId)
      return { ...s, taps, guards }
    })

  const removeNetwork = (networkId: string) =>
    Ref.update(state, (s) => {
      const networks = new Map(s.networks)
      networks.delete(networkId)
      const taps = new Map([...s.taps].filter(([, tap]) => tap.networkId !== networkId))
      return { networks, taps, guards: new Map([...s.guards].filter(([nicId]) => taps.has(nicId))) }
    })

  const list = () =>
    Ref.get(state).pipe(
      Effect.map(
        (s): HostNetworkState => ({
          networks: [...s.networks.values()].map((network) => network.info),
          taps: [...s.taps.values()],
        }),
      ),
    )

  const view: FakeHostNetworkView = {
    specs: () => Ref.get(state).pipe(Effect.map((s) => [...s.networks.values()].map((network) => network.spec))),
    guards: () => Ref.get(state).pipe(Effect.map((s) => s.guards)),
  }
  return { service: HostNetwork.of({ ensureNetwork, ensureTap, removeTap, removeNetwork, list }), view }
})

/** The fake as a layer, for core tests that need a HostNetwork and nothing more. */
export const hostNetworkFakeLayer = Layer.effect(
  HostNetwork,
  Effect.map(makeFakeHostNetwork, (fake) => fake.service),
)

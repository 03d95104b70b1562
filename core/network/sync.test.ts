import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { makeFakeHostNetwork } from "./fake.ts"
import { HostNetwork, type HostNetworkSpec } from "./host-network.ts"
import { syncHostNetworks } from "./sync.ts"
import { vniOf } from "./vni.ts"

const spec = (networkId: string, o: Partial<HostNetworkSpec> = {}): HostNetworkSpec => ({
  networkId,
  kind: "isolated",
  subnets: [{ cidr: "10.1.0.0/24", gateway: "10.1.0.1", dhcp: true }],
  reservations: [],
  ...o,
})

const withFake = <A, E>(body: (host: HostNetwork["Service"]) => Effect.Effect<A, E, HostNetwork>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const fake = yield* makeFakeHostNetwork
      return yield* body(fake.service).pipe(Effect.provideService(HostNetwork, fake.service))
    }),
  )

describe("host networks follow the records (#15)", () => {
  it("sync ensures what is wanted and removes what no NIC uses", () =>
    withFake((host) =>
      Effect.gen(function* () {
        yield* host.ensureNetwork(spec("old"))
        yield* host.ensureTap({ nicId: "gone-nic", networkId: "old" })
        yield* host.ensureNetwork(spec("a"))
        yield* host.ensureTap({ nicId: "stale", networkId: "a" })
        const report = yield* syncHostNetworks({
          networks: [spec("a"), spec("b", { kind: "shared" })],
          taps: [
            { nicId: "n1", networkId: "a" },
            { nicId: "n2", networkId: "b" },
          ],
        })
        assert.deepEqual(report, { removedTaps: ["gone-nic", "stale"], removedNetworks: ["old"] })
        const state = yield* host.list()
        assert.deepEqual(state.networks.map((network) => network.networkId).sort(), ["a", "b"])
        assert.deepEqual(state.taps.map((tap) => tap.nicId).sort(), ["n1", "n2"])
        // a second sync with the same records changes nothing
        assert.deepEqual(
          yield* syncHostNetworks({
            networks: [spec("a"), spec("b")],
            taps: [
              { nicId: "n1", networkId: "a" },
              { nicId: "n2", networkId: "b" },
            ],
          }),
          { removedTaps: [], removedNetworks: [] },
        )
      }),
    ))

  it("a tap needs its network on the host", () =>
    withFake((host) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(host.ensureTap({ nicId: "n", networkId: "nowhere" }))
        assert.equal(error._tag, "HostNetworkError")
      }),
    ))

  it("the VNI comes from the network id: stable, 24 bits, above the hand-picked range", () => {
    assert.equal(vniOf("3f0c7c9e-0000-4000-8000-000000000001"), vniOf("3f0c7c9e-0000-4000-8000-000000000001"))
    assert.notEqual(vniOf("net-a"), vniOf("net-b"))
    for (const id of ["a", "net-1", "3f0c7c9e-0000-4000-8000-000000000001", ""]) {
      const vni = vniOf(id)
      assert.ok(Number.isInteger(vni) && vni >= 4096 && vni <= 0xffffff, `${id}: ${vni}`)
    }
  })
})

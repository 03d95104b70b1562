import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { desiredHostNetworks } from "./desired.ts"
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

describe("what a host must have, from the records (#15)", () => {
  const at = new Date(0)
  const network = (id: string, kind: "shared" | "isolated", bridged = true) => ({
    id,
    name: id,
    kind,
    departmentId: null,
    backing: bridged ? ({ kind: "bridge", bridge: "" } as const) : ({ kind: "user" } as const),
    createdAt: at,
  })
  const subnet = (id: string, networkId: string, cidr: string, dhcp = true) => ({
    id,
    networkId,
    cidr,
    gateway: cidr.replace(/0\/\d+$/, "1"),
    dhcp,
    rangeStart: "",
    rangeEnd: "",
    reserved: [],
    dns: [],
  })
  const nic = (id: string, subnetId: string, primaryIp: string, dhcp = true) => ({
    id,
    vmId: "vm",
    subnetId,
    mac: `52:54:00:00:00:${id.slice(-2)}`,
    primaryIp,
    secondaryIps: ["10.9.9.9"],
    isDefault: true,
    dhcp,
    createdAt: at,
  })
  const records = {
    networks: [
      network("a", "isolated"),
      network("s", "shared"),
      network("u", "shared", false),
      network("idle", "isolated"),
    ],
    subnets: [
      subnet("sa", "a", "10.1.0.0/24"),
      subnet("sa6", "a", "fd00::0/64", false),
      subnet("ss", "s", "10.2.0.0/24"),
      subnet("su", "u", "10.3.0.0/24"),
    ],
    nics: [
      nic("n01", "sa", "10.1.0.5"),
      nic("n02", "sa", "10.1.0.6", false),
      nic("n03", "ss", "10.2.0.5"),
      nic("n04", "su", "10.3.0.5"),
      nic("n05", "gone", "10.4.0.5"),
    ],
  }

  it("bridged networks the NICs use, reservations for DHCP NICs, a tap per NIC; user-mode and unused networks need nothing", () => {
    const desired = desiredHostNetworks(records)
    // N3 N4: each tap is guarded to its NIC's MAC, primary and secondary addresses
    const guard = (n: string, ip: string) => ({ mac: `52:54:00:00:00:${n}`, addresses: [ip, "10.9.9.9"] })
    assert.deepEqual(desired.taps, [
      { nicId: "n01", networkId: "a", guard: guard("01", "10.1.0.5") },
      { nicId: "n02", networkId: "a", guard: guard("02", "10.1.0.6") },
      { nicId: "n03", networkId: "s", guard: guard("03", "10.2.0.5") },
    ])
    assert.deepEqual(desired.networks, [
      {
        networkId: "a",
        kind: "isolated",
        subnets: [
          { cidr: "10.1.0.0/24", gateway: "10.1.0.1", dhcp: true },
          { cidr: "fd00::0/64", gateway: "fd00::1", dhcp: false },
        ],
        reservations: [{ mac: "52:54:00:00:00:01", ip: "10.1.0.5" }],
      },
      {
        networkId: "s",
        kind: "shared",
        subnets: [{ cidr: "10.2.0.0/24", gateway: "10.2.0.1", dhcp: true }],
        reservations: [{ mac: "52:54:00:00:00:03", ip: "10.2.0.5" }],
      },
    ])
  })

  it("a host with peers carries each network over VXLAN with the network's VNI", () => {
    const desired = desiredHostNetworks({ ...records, underlay: { local: "192.0.2.1", peers: ["192.0.2.2"] } })
    assert.deepEqual(
      desired.networks.map((network) => network.vxlan),
      [
        { vni: vniOf("a"), local: "192.0.2.1", peers: ["192.0.2.2"] },
        { vni: vniOf("s"), local: "192.0.2.1", peers: ["192.0.2.2"] },
      ],
    )
    assert.equal(
      desiredHostNetworks({ ...records, underlay: { local: "192.0.2.1", peers: [] } }).networks[0]?.vxlan,
      undefined,
    )
  })
})

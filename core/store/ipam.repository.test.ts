import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { sql } from "kysely"
import type { IpamRefusal } from "../ipam/errors.ts"
import type { Subnet } from "../model/index.ts"
import { migrateToLatest } from "./migrator.ts"
import { Store } from "./ports.ts"
import { insertWorld, sampleBundle, sampleRows, sampleWorld, storeBackends, useStore } from "./testing.ts"

/** A /28: gateway .1 outside the range .2–.14, .5 reserved: 12 addresses to hand out. */
const slash28 = (networkId: string, o: Partial<Subnet> = {}): Subnet =>
  sampleRows.subnet({
    networkId,
    cidr: "10.77.0.0/28",
    gateway: "10.77.0.1",
    rangeStart: "10.77.0.2",
    rangeEnd: "10.77.0.14",
    reserved: ["10.77.0.5"],
    ...o,
  })

const world = Effect.gen(function* () {
  const store = yield* Store
  const base = yield* insertWorld(sampleWorld())
  const subnet = yield* store.subnets.insert(slash28(base.network.id))
  return { store, base, subnet }
})

const nic = () => randomUUID()

const refusal = <A>(effect: Effect.Effect<A, unknown, Store>) =>
  Effect.flip(effect).pipe(
    Effect.map((error) => {
      assert.equal((error as { _tag: string })._tag, "IpamRefusal", String(error))
      return error as IpamRefusal
    }),
  )

for (const backend of storeBackends) {
  describe(`store on ${backend.name}: IPAM (C6, C8, N1–N4)`, { skip: backend.skip }, () => {
    const runStore = useStore(backend)

    it("hands out the lowest free addresses, skipping the gateway and the reserved ones; counts what is left", () =>
      runStore(
        Effect.gen(function* () {
          const { store, base, subnet } = yield* world
          const a = nic()
          const b = nic()
          const got = yield* store.ipam.allocate([
            { subnetId: subnet.id, nicId: a, kind: "primary" },
            { subnetId: subnet.id, nicId: b, kind: "primary" },
            { subnetId: subnet.id, nicId: a, kind: "secondary" },
            { subnetId: subnet.id, nicId: b, kind: "secondary", address: "10.77.0.4" },
          ])
          assert.deepEqual(
            got.map((allocation) => [allocation.nicId === a ? "a" : "b", allocation.kind, allocation.address]),
            [
              ["a", "primary", "10.77.0.2"],
              ["b", "primary", "10.77.0.3"],
              ["a", "secondary", "10.77.0.6"],
              ["b", "secondary", "10.77.0.4"],
            ],
          )
          assert.deepEqual(yield* store.ipam.usage([subnet.id]), [{ subnetId: subnet.id, used: 4, free: 8 }])
          // per network: the world's own /8 subnet (nothing used) plus this one
          const [own] = yield* store.ipam.usage([base.subnet.id])
          assert.deepEqual(yield* store.ipam.networkUsage([base.network.id]), [
            { networkId: base.network.id, used: 4, free: 8 + (own?.free ?? 0) },
          ])
          assert.deepEqual(yield* store.ipam.networkUsage([]), [])
          assert.deepEqual((yield* store.ipam.list({ nicId: a })).map((allocation) => allocation.address).sort(), [
            "10.77.0.2",
            "10.77.0.6",
          ])
          assert.equal(yield* store.ipam.release(a, ["10.77.0.6"]), 1)
          assert.equal(yield* store.ipam.release(b), 2)
          assert.deepEqual(yield* store.ipam.usage([subnet.id]), [{ subnetId: subnet.id, used: 1, free: 11 }])
          // a released address is the next one handed out
          const [again] = yield* store.ipam.allocate([{ subnetId: subnet.id, nicId: nic(), kind: "primary" }])
          assert.equal(again?.address, "10.77.0.3")
        }),
      ))

    it("refuses a fixed address that is taken, reserved or outside the range, naming the rule; nothing changes", () =>
      runStore(
        Effect.gen(function* () {
          const { store, subnet } = yield* world
          yield* store.ipam.allocate([{ subnetId: subnet.id, nicId: nic(), kind: "primary", address: "10.77.0.9" }])
          for (const [address, verdict] of [
            ["10.77.0.9", "taken"],
            ["10.77.0.5", "reserved"],
            ["10.77.0.1", "outside"],
            ["10.78.0.9", "outside"],
            ["fd00::9", "invalid"],
          ] as const) {
            const refused = yield* refusal(
              store.ipam.allocate([
                { subnetId: subnet.id, nicId: nic(), kind: "primary" },
                { subnetId: subnet.id, nicId: nic(), kind: "primary", address },
              ]),
            )
            assert.equal(refused.rule, "fixed-ip-available")
            assert.deepEqual(refused.reason, { _tag: "AddressUnavailable", subnetId: subnet.id, address, verdict })
          }
          assert.deepEqual(yield* store.ipam.usage([subnet.id]), [{ subnetId: subnet.id, used: 1, free: 11 }])
        }),
      ))

    it("one batch asking a fixed address twice is refused: the second finds it taken by the first", () =>
      runStore(
        Effect.gen(function* () {
          const { store, subnet } = yield* world
          const address = "10.77.0.8"
          const refused = yield* refusal(
            store.ipam.allocate([
              { subnetId: subnet.id, nicId: nic(), kind: "primary", address },
              { subnetId: subnet.id, nicId: nic(), kind: "secondary", address },
            ]),
          )
          assert.deepEqual(refused.reason, {
            _tag: "AddressUnavailable",
            subnetId: subnet.id,
            address,
            verdict: "taken",
          })
          assert.deepEqual(yield* store.ipam.usage([subnet.id]), [{ subnetId: subnet.id, used: 0, free: 12 }])
        }),
      ))

    it("C8: a batch gets all its addresses or none, across subnets too", () =>
      runStore(
        Effect.gen(function* () {
          const { store, base, subnet } = yield* world
          const other = yield* store.subnets.insert(
            slash28(base.network.id, {
              cidr: "10.77.1.0/30",
              gateway: "10.77.1.1",
              rangeStart: "10.77.1.2",
              rangeEnd: "10.77.1.2",
              reserved: [],
            }),
          )
          const refused = yield* refusal(
            store.ipam.allocate([
              { subnetId: subnet.id, nicId: nic(), kind: "primary" },
              { subnetId: other.id, nicId: nic(), kind: "primary" },
              { subnetId: other.id, nicId: nic(), kind: "primary" },
            ]),
          )
          assert.equal(refused.rule, "network-free-ips")
          assert.deepEqual(refused.reason, { _tag: "NoFreeIps", subnetId: other.id, free: 1, needed: 2 })
          assert.deepEqual(yield* store.ipam.usage([other.id, subnet.id].sort()), [
            ...[
              { subnetId: subnet.id, used: 0, free: 12 },
              { subnetId: other.id, used: 0, free: 1 },
            ].sort((x, y) => x.subnetId.localeCompare(y.subnetId)),
          ])
          const gone = yield* Effect.flip(
            store.ipam.allocate([{ subnetId: "no-such-subnet", nicId: nic(), kind: "primary" }]),
          )
          assert.equal(gone._tag, "NotFound")
        }),
      ))

    it("20 allocations at once on a /28 with 12 free: 12 distinct addresses, 8 refusals, nothing half-made", () =>
      runStore(
        Effect.gen(function* () {
          const { store, subnet } = yield* world
          const results = yield* Effect.all(
            Array.from({ length: 20 }, () =>
              Effect.result(store.ipam.allocate([{ subnetId: subnet.id, nicId: nic(), kind: "primary" }])),
            ),
            { concurrency: "unbounded" },
          )
          const won = results.flatMap((result) => (result._tag === "Success" ? result.success : []))
          const lost = results.flatMap((result) => (result._tag === "Failure" ? [result.failure] : []))
          assert.equal(won.length, 12)
          assert.equal(new Set(won.map((allocation) => allocation.address)).size, 12)
          assert.deepEqual(
            lost.map((error) => (error as IpamRefusal).rule),
            Array<string>(8).fill("network-free-ips"),
          )
          const ledger = yield* store.ipam.list({ subnetId: subnet.id })
          assert.deepEqual(
            ledger.map((allocation) => allocation.address).sort(),
            won.map((allocation) => allocation.address).sort(),
          )
          assert.deepEqual(yield* store.ipam.usage([subnet.id]), [{ subnetId: subnet.id, used: 12, free: 0 }])
        }),
      ))

    it("N1: a NIC and its primary address in one transaction; a refusal or a failed insert leaves neither", () =>
      runStore(
        Effect.gen(function* () {
          const { store, base, subnet } = yield* world
          const bundle = sampleBundle({ ...base, subnet }, { nic: { primaryIp: "10.77.0.2" } })
          yield* store.vms.insertBundles([bundle])
          const [first] = bundle.nics
          assert.ok(first)
          const joined = yield* store.ipam.insertNic({ ...first, id: nic(), primaryIp: "", mac: "52:54:00:00:77:03" })
          assert.equal(joined.primaryIp, "10.77.0.3", "the next free address")
          assert.equal((yield* store.nics.get(joined.id)).primaryIp, "10.77.0.3")
          const before = yield* store.ipam.list({ subnetId: subnet.id })
          // a taken fixed address: refused, no NIC
          const refused = nic()
          yield* refusal(store.ipam.insertNic({ ...first, id: refused, primaryIp: "10.77.0.3" }))
          assert.deepEqual((yield* store.nics.list({ vmId: bundle.vm.id })).length, 2)
          // the NIC's insert fails (its id is taken) after the address was allocated: the address is not kept
          const failed = yield* Effect.flip(store.ipam.insertNic({ ...first, primaryIp: "" }))
          assert.equal(failed._tag, "StoreError")
          assert.deepEqual(yield* store.ipam.list({ subnetId: subnet.id }), before)
        }),
      ))

    it("purging a VM gives its NICs' addresses back", () =>
      runStore(
        Effect.gen(function* () {
          const { store, base, subnet } = yield* world
          const bundle = sampleBundle({ ...base, subnet }, { nic: { primaryIp: "10.77.0.2" } })
          const [vmNic] = bundle.nics
          assert.ok(vmNic)
          // the insert takes the NIC's address in the ledger (C6, C8)
          yield* store.vms.insertBundles([bundle])
          assert.deepEqual(
            (yield* store.ipam.list({ subnetId: subnet.id })).map((ip) => [ip.nicId, ip.address]),
            [[vmNic.id, "10.77.0.2"]],
          )
          yield* store.vms.purge(bundle.vm.id, [])
          assert.deepEqual(yield* store.ipam.list({ subnetId: subnet.id }), [])
        }),
      ))
  })

  describe(`store on ${backend.name}: the ledger's constraint`, { skip: backend.skip }, () => {
    it("the database itself refuses one address twice in a subnet, whoever writes", () =>
      Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const { db } = yield* backend.database()
            yield* migrateToLatest(db)
            const insert = (nicId: string) =>
              Effect.promise(() =>
                sql`insert into ip_addresses (subnet_id, address, nic_id, kind) values ('s1', '10.0.0.2', ${nicId}, 'primary')`
                  .execute(db)
                  .then(
                    () => "ok",
                    (error: { code?: string }) => error.code ?? "error",
                  ),
              )
            yield* Effect.promise(() =>
              sql`insert into networks (id, name, kind, backing) values ('n1', 'n', 'shared', '{}')`.execute(db),
            )
            yield* Effect.promise(() =>
              sql`insert into subnets (id, network_id, cidr, gateway, dhcp, range_start, range_end) values ('s1', 'n1', '10.0.0.0/24', '10.0.0.1', true, '10.0.0.2', '10.0.0.254')`.execute(
                db,
              ),
            )
            assert.equal(yield* insert("nic-1"), "ok")
            assert.equal(yield* insert("nic-2"), "23505")
          }),
        ),
      ))
  })
}

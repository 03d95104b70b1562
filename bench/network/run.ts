/**
 * bench/network: what host networking and IPAM cost (#15). Inside a network namespace it makes and removes (root):
 * a network's first ensure (bridge, firewall, DHCP server), an ensure that changes nothing, a tap, a DHCP lease for a
 * veth client, the sync that removes it all. On PostgreSQL: IPAM allocations one by one and in parallel.
 * Prints JSON only:
 *   node --import tsx bench/network/run.ts [--runs N]
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Layer, ManagedRuntime, Scope } from "effect"
import type { HostNetworkSpec } from "../../core/network/host-network.ts"
import { Store } from "../../core/store/ports.ts"
import { insertWorld, sampleRows, sampleWorld, storeBackend } from "../../core/store/testing.ts"
import { makeHostCommands } from "../../plugins/host-commands/host-commands.ts"
import { makeLinuxNet } from "../../plugins/linux-net/linux-net.ts"
import { addClient, addNetns, deleteNetns, dhcpClient, netnsSkip, uniqueName } from "../../plugins/linux-net/testing.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages } from "../shared/load.ts"

const runs = wholeNumberFlag("--runs", 5)

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return Math.round((sorted[Math.floor(sorted.length / 2)] ?? 0) * 10) / 10
}
const timed = async <A>(run: () => Promise<A>): Promise<[A, number]> => {
  const began = performance.now()
  const value = await run()
  return [value, performance.now() - began]
}

const hostSide = async () => {
  const skip = netnsSkip()
  if (skip !== false) return { skipped: skip }
  const samples = {
    firstEnsureMs: [] as number[],
    againEnsureMs: [] as number[],
    tapMs: [] as number[],
    leaseMs: [] as number[],
    teardownMs: [] as number[],
  }
  for (let run = 0; run < runs; run++) {
    const ns = uniqueName("hxb")
    const client = uniqueName("hxc")
    const dir = await mkdtemp(join(tmpdir(), "hx-bench-net-"))
    addNetns(ns)
    const scope = await Effect.runPromise(Scope.make())
    try {
      const commands = await Effect.runPromise(Scope.provide(makeHostCommands, scope))
      const net = await Effect.runPromise(
        Scope.provide(makeLinuxNet({ stateDir: dir, prefix: "hxb", netns: ns, uplinks: [] }, commands), scope),
      )
      const spec: HostNetworkSpec = {
        networkId: "bench",
        kind: "isolated",
        subnets: [{ cidr: "10.99.0.0/24", gateway: "10.99.0.1", dhcp: true }],
        reservations: [{ mac: "52:54:00:99:00:0a", ip: "10.99.0.10" }],
      }
      const [info, first] = await timed(() => Effect.runPromise(net.service.ensureNetwork(spec)))
      const [, again] = await timed(() => Effect.runPromise(net.service.ensureNetwork(spec)))
      const [, tap] = await timed(() => Effect.runPromise(net.service.ensureTap({ nicId: "nic", networkId: "bench" })))
      await addClient(ns, client, info.bridge, "hxbp0", "52:54:00:99:00:0a")
      const [address, lease] = await timed(async () => dhcpClient(client))
      if (address !== "10.99.0.10") throw new Error(`lease ${address}`)
      const [, teardown] = await timed(() => Effect.runPromise(net.service.removeNetwork("bench")))
      samples.firstEnsureMs.push(first)
      samples.againEnsureMs.push(again)
      samples.tapMs.push(tap)
      samples.leaseMs.push(lease)
      samples.teardownMs.push(teardown)
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      deleteNetns(client)
      deleteNetns(ns)
      await rm(dir, { recursive: true, force: true })
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([key, values]) => [key, median(values)]))
}

const ipam = async () => {
  // The store tests' server: TEST_DATABASE_URL, or an embedded one started for this run.
  const runtime = ManagedRuntime.make(Layer.fresh(storeBackend.layer()))
  try {
    return await runtime.runPromise(
      Effect.gen(function* () {
        const store = yield* Store
        const world = yield* insertWorld(sampleWorld())
        const subnet = yield* store.subnets.insert(
          sampleRows.subnet({
            networkId: world.network.id,
            cidr: "10.0.0.0/16",
            gateway: "10.0.0.1",
            rangeStart: "10.0.0.2",
            rangeEnd: "10.0.255.254",
            reserved: [],
          }),
        )
        const one = () => store.ipam.allocate([{ subnetId: subnet.id, nicId: crypto.randomUUID(), kind: "primary" }])
        const began = performance.now()
        for (let i = 0; i < 200; i++) yield* one()
        const serialMs = (performance.now() - began) / 200
        const parallelBegan = performance.now()
        yield* Effect.all(Array.from({ length: 200 }, one), { concurrency: 20 })
        const parallelMs = (performance.now() - parallelBegan) / 200
        const batchBegan = performance.now()
        yield* store.ipam.allocate(
          Array.from({ length: 200 }, () => ({
            subnetId: subnet.id,
            nicId: crypto.randomUUID(),
            kind: "primary" as const,
          })),
        )
        const batchMs = performance.now() - batchBegan
        return {
          allocateOneMs: Math.round(serialMs * 100) / 100,
          allocateParallel20PerAddressMs: Math.round(parallelMs * 100) / 100,
          allocateBatchOf200Ms: Math.round(batchMs),
          ledgerRows: 600,
        }
      }),
    )
  } finally {
    await runtime.dispose()
  }
}

const host = await hostSide()
console.log(JSON.stringify({ bench: "network", runs, load: loadAverages(), host, ipam: await ipam() }, null, 2))

/**
 * The agent side of bench/load, in a process of its own as in production: the HTTP API with the fake driver and its
 * records on PostgreSQL, seeded with `--vms` VMs. Prints one JSON line (port, token, VM ids) when it listens, and
 * exits when its stdin closes. Run with --cpu-prof to profile the request path alone.
 *   node --import tsx bench/load/server.ts POSTGRES-URL [--vms N]
 */
import { randomBytes, randomUUID } from "node:crypto"
import type { AddressInfo } from "node:net"
import { serve } from "@hono/node-server"
import { Effect } from "effect"
import { createApp } from "../../agent/app.ts"
import { makeAgentRuntime } from "../../agent/runtime.ts"
import { tuneHeapForRequests } from "../../agent/start/heap.ts"
import { issueToken } from "../../core/auth/tokens.ts"
import { layerPostgres } from "../../core/store/layer.ts"
import { Store } from "../../core/store/ports.ts"
import { makeFakeDriver } from "../../plugins/fake/index.ts"
import { seedVms } from "../api-list/seed.ts"
import { wholeNumberFlag } from "../shared/flags.ts"

const url = process.argv[2]
if (url === undefined) throw new Error("usage: server.ts POSTGRES-URL [--vms N]")
const vmCount = wholeNumberFlag("--vms", 2_000)

const fake = await Effect.runPromise(makeFakeDriver())
const host = { hostId: randomUUID(), storageDir: "/tmp", shutdownTimeoutMs: 1000, secretKey: randomBytes(32) }
// The agent's own heap setting (agent/start/agent.ts does the same at start).
tuneHeapForRequests()
const runtime = makeAgentRuntime({ store: layerPostgres(url), host, drivers: [fake.driver] })
const world = await runtime.runPromise(seedVms(url, vmCount, () => {}))
const vmIds = (await runtime.runPromise(Store.use((s) => s.vms.list()))).map((vm) => vm.id)
const { secret } = await runtime.runPromise(issueToken(world.superadmin.id, "bench-load"))
let failures = 0
const app = createApp({
  runtime,
  logError: (message, error) => {
    failures++
    if (failures <= 5) process.stderr.write(`${message}: ${String(error)}\n`)
  },
})
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
  process.stdout.write(`${JSON.stringify({ port: info.port, token: secret, vmIds })}\n`)
})
// The bench closes our stdin when it is done; then the profile (if any) is written on a normal exit.
process.stdin.resume()
process.stdin.on("end", () => {
  server.close()
  void runtime.dispose().then(() => process.exit(0))
})

/**
 * The agent side of bench/api-list's export, in a process of its own with the agent's own heap settings (run with
 * `--max-semi-space-size=2`, as `npm start` and the `hyperx` command do): its memory is the agent's alone, not that of
 * the bench that seeded the rows. Serves the API over the records at POSTGRES-URL (fake driver), with a token of
 * USER-ID; prints one JSON line (port, token) when it listens, and exits when its stdin closes.
 *   node --max-semi-space-size=2 --import tsx bench/api-list/export-agent.ts POSTGRES-URL USER-ID
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
import { makeFakeDriver } from "../../plugins/fake/index.ts"

const [url, userId] = process.argv.slice(2)
if (url === undefined || userId === undefined) throw new Error("usage: export-agent.ts POSTGRES-URL USER-ID")

tuneHeapForRequests()
const fake = await Effect.runPromise(makeFakeDriver())
const host = { hostId: randomUUID(), storageDir: "/tmp", shutdownTimeoutMs: 1000, secretKey: randomBytes(32) }
const runtime = makeAgentRuntime({ store: layerPostgres(url), host, drivers: [fake.driver] })
const { secret } = await runtime.runPromise(issueToken(userId, "bench-export"))
const app = createApp({ runtime, logError: (message, error) => process.stderr.write(`${message}: ${String(error)}\n`) })
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
  process.stdout.write(`${JSON.stringify({ port: info.port, token: secret })}\n`)
})
process.stdin.resume()
process.stdin.on("end", () => {
  server.close()
  void runtime.dispose().then(() => process.exit(0))
})

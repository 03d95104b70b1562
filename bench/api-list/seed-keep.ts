/**
 * Seeds a database to keep, for trying the list's SQL by hand (EXPLAIN (ANALYZE, BUFFERS) in psql), as the bench
 * seeds its scratch ones: the store's migrations, then `--vms N` VMs (seed.ts), then VACUUM ANALYZE.
 *   node --import tsx bench/api-list/seed-keep.ts POSTGRES-URL [--vms 100000]
 * Prints the bench world (ids of flavors, hosts, departments) as JSON.
 */
import { randomBytes, randomUUID } from "node:crypto"
import { Effect } from "effect"
import pg from "pg"
import { makeAgentRuntime } from "../../agent/runtime.ts"
import { layerPostgres } from "../../core/store/layer.ts"
import { makeFakeDriver } from "../../plugins/fake/index.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { seedVms } from "./seed.ts"

const url = process.argv.slice(2).find((arg) => /^postgres(ql)?:\/\//.test(arg))
if (url === undefined) throw new Error("usage: seed-keep.ts POSTGRES-URL [--vms N]")
const count = wholeNumberFlag("--vms", 100_000)
const fake = await Effect.runPromise(makeFakeDriver())
const host = { hostId: randomUUID(), storageDir: "/tmp", shutdownTimeoutMs: 1000, secretKey: randomBytes(32) }
const runtime = makeAgentRuntime({ store: layerPostgres(url), host, drivers: [fake.driver] })
try {
  const world = await runtime.runPromise(seedVms(url, count, (done) => process.stderr.write(`${done}\n`)))
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query("vacuum analyze").finally(() => client.end())
  process.stdout.write(`${JSON.stringify(world, null, 2)}\n`)
} finally {
  await runtime.dispose()
}
process.exit(0)

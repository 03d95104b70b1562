/**
 * bench/api-list: the VM list (L2 search + L4 filters + L5 totals) and the XLSX export (L6) over real HTTP, with
 * 10,000 VMs in PostgreSQL and in PGlite. Prints JSON only on stdout (progress goes to stderr):
 *   node --import tsx bench/api-list/run.ts [POSTGRES-URL] [--vms N] [--requests N]
 * PostgreSQL: the URL argument or TEST_DATABASE_URL names a server; the bench makes a scratch database there and
 * drops it afterwards. Without one, PostgreSQL is skipped with a note. PGlite runs on disk, as `npm start` does.
 */
import { randomBytes, randomUUID } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { serve } from "@hono/node-server"
import { Effect, type Layer, Schema } from "effect"
import pg from "pg"
import { createApp } from "../../agent/app.ts"
import { makeAgentRuntime } from "../../agent/runtime.ts"
import { toVmQuery, VmListQuery } from "../../agent/vms/list-query.ts"
import { issueToken } from "../../core/auth/tokens.ts"
import type { StoreError } from "../../core/errors.ts"
import { layerPglite, layerPostgres } from "../../core/store/layer.ts"
import { Store } from "../../core/store/ports.ts"
import { makeFakeDriver } from "../../plugins/fake/index.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages, machineFacts } from "../shared/load.ts"
import { withScratchDatabase } from "../shared/scratch-database.ts"
import { type BenchWorld, seedVms } from "./seed.ts"
import { summarise } from "./stats.ts"

const vmCount = wholeNumberFlag("--vms", 10_000)
const requestCount = wholeNumberFlag("--requests", 500)
const postgresUrl =
  process.argv.slice(2).find((arg) => /^postgres(ql)?:\/\//.test(arg)) ?? process.env.TEST_DATABASE_URL
const progress = (line: string) => process.stderr.write(`${line}\n`)
const targets = { postgres: 25, pglite: 60 } as const

/** The list questions a portal asks, each with totals; they rotate so that no single plan gets all the cache. */
const queryShapes = (world: BenchWorld): Record<string, string> => ({
  "search name + state + newest first": "search=shop&state=running,stopped&sort=createdAt&order=desc&limit=50",
  "search IP prefix + flavor": `search=10.20.1&flavorId=${world.flavorIds[0]},${world.flavorIds[1]}&limit=50`,
  "tag + state, sorted by CPUs": "tag=app-role:web&state=running&sort=cpus&order=desc&limit=50",
  "search owner + host, by name": `search=user1&hostId=${world.hostIds[2]}&sort=displayName&limit=100`,
  "state, deep page, by memory": "state=running&sort=memoryMiB&offset=4000&limit=50",
})

/** PostgreSQL's autovacuum analyses a freshly filled table within a minute; doing it now measures that steady state. */
const vacuumAnalyze = async (url: string) => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query("vacuum analyze")
  } finally {
    await client.end()
  }
}

const benchBackend = async (
  backend: "postgres" | "pglite",
  store: Layer.Layer<Store, StoreError>,
  afterSeed: () => Promise<void> = async () => {},
) => {
  const fake = await Effect.runPromise(makeFakeDriver())
  const host = { hostId: randomUUID(), storageDir: "/tmp", shutdownTimeoutMs: 1000, secretKey: randomBytes(32) }
  const runtime = makeAgentRuntime({ store, host, drivers: [fake.driver] })
  try {
    progress(`${backend}: seeding ${vmCount} VMs`)
    const seedStarted = performance.now()
    const world = await runtime.runPromise(
      seedVms(vmCount, (done) => {
        if (done % 2000 === 0 || done === vmCount) progress(`${backend}:   ${done}`)
      }),
    )
    const seedMs = Math.round(performance.now() - seedStarted)
    await afterSeed()
    const { secret } = await runtime.runPromise(issueToken(world.superadmin.id, "bench"))
    const app = createApp({ runtime, logError: (message, error) => progress(`${message}: ${String(error)}`) })
    const { server, origin } = await new Promise<{ server: ReturnType<typeof serve>; origin: string }>((resolve) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
        resolve({ server, origin: `http://127.0.0.1:${info.port}` }),
      )
    })
    try {
      const get = async (path: string) => {
        const started = performance.now()
        const response = await fetch(`${origin}${path}`, { headers: { Authorization: `Bearer ${secret}` } })
        const body = new Uint8Array(await response.arrayBuffer())
        const ms = performance.now() - started
        if (response.status !== 200) throw new Error(`${path}: ${response.status} ${new TextDecoder().decode(body)}`)
        return { ms, body }
      }
      const shapes = Object.entries(queryShapes(world))
      const matched: Record<string, number> = {}
      for (const [name, query] of shapes) {
        const { body } = await get(`/api/v1/vms?${query}`)
        matched[name] = (JSON.parse(new TextDecoder().decode(body)) as { total: number }).total
        for (let i = 0; i < 4; i++) await get(`/api/v1/vms?${query}`)
      }
      // What any authenticated request costs here (token lookup, routing, JSON), to read the list figures against.
      const baseline: Array<number> = []
      for (let i = 0; i < 100; i++) baseline.push((await get("/api/v1/flavors")).ms)
      progress(`${backend}: ${requestCount} list requests`)
      const all: Array<number> = []
      const byShape: Record<string, Array<number>> = Object.fromEntries(shapes.map(([name]) => [name, []]))
      for (let i = 0; i < requestCount; i++) {
        const [name, query] = shapes[i % shapes.length] ?? ["", ""]
        const { ms } = await get(`/api/v1/vms?${query}`)
        all.push(ms)
        byShape[name]?.push(ms)
      }
      progress(`${backend}: export.xlsx of every VM`)
      const exported = await get("/api/v1/vms/export.xlsx")
      // The same questions to the store directly (after the HTTP part: an idle keep-alive socket would be closed): what
      // the database takes, apart from HTTP, auth and JSON.
      const actor = {
        userId: world.superadmin.id,
        role: "superadmin" as const,
        companyId: world.superadmin.companyId,
        departmentId: world.superadmin.departmentId,
      }
      const storeMs: Record<string, Array<number>> = {}
      for (const [name, query] of shapes) {
        const decoded = Schema.decodeUnknownSync(VmListQuery)(Object.fromEntries(new URLSearchParams(query)))
        const vmQuery = toVmQuery(actor, decoded, false)
        storeMs[name] = []
        for (let i = 0; i < 30; i++) {
          const started = performance.now()
          await runtime.runPromise(Store.use((s) => s.vms.query(vmQuery)))
          storeMs[name]?.push(performance.now() - started)
        }
      }
      const list = summarise(all)
      return {
        backend,
        vms: vmCount,
        seedMs,
        list: {
          ...list,
          targetP99Ms: targets[backend],
          metTarget: list.p99Ms <= targets[backend],
          byQuery: Object.fromEntries(
            shapes.map(([name, query]) => [
              name,
              {
                query,
                matched: matched[name],
                ...summarise(byShape[name] ?? []),
                storeOnlyP50Ms: summarise(storeMs[name] ?? []).p50Ms,
              },
            ]),
          ),
        },
        baseline: { route: "GET /api/v1/flavors", ...summarise(baseline) },
        export: { rows: vmCount, ms: Math.round(exported.ms), bytes: exported.body.length },
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  } finally {
    await runtime.dispose()
  }
}

// Other work on the machine moves every figure; the load is reported from before and after the run.
const loadavgAtStart = loadAverages()
const results: Array<unknown> = []
const skipped: Array<{ backend: string; reason: string }> = []
if (postgresUrl === undefined) {
  skipped.push({ backend: "postgres", reason: "no PostgreSQL URL: pass one as an argument or set TEST_DATABASE_URL" })
} else {
  results.push(
    await withScratchDatabase(postgresUrl, (url) =>
      benchBackend("postgres", layerPostgres(url), () => vacuumAnalyze(url)),
    ),
  )
}
const pgliteDir = mkdtempSync(join(tmpdir(), "hx-bench-pglite-"))
try {
  results.push(await benchBackend("pglite", layerPglite({ dataDir: pgliteDir })))
} finally {
  rmSync(pgliteDir, { recursive: true, force: true })
}

const report = {
  bench: "api-list",
  what: "GET /api/v1/vms with search, filters and totals over real HTTP (sequential requests, keep-alive), as a superadmin (no scope filter: every VM is a candidate); then GET /api/v1/vms/export.xlsx of every VM",
  statistics:
    "postgres: VACUUM ANALYZE after seeding (what autovacuum does within a minute); pglite: none (PGlite runs no autovacuum, and the agent does not analyse)",
  machine: machineFacts(loadavgAtStart),
  requests: requestCount,
  results,
  skipped,
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
process.exit(0)

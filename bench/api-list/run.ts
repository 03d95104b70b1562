/**
 * bench/api-list: the VM list (L2 search + L4 filters + L5 totals, offset and cursor paging) and the XLSX export
 * (L6) over real HTTP, against PostgreSQL, at each size given (default 10,000 and 100,000 VMs, one run). Prints JSON
 * only on stdout (progress goes to stderr):
 *   node --max-semi-space-size=2 --import tsx bench/api-list/run.ts [POSTGRES-URL] [--vms 10000,100000] [--requests N]
 *     [--warm-up N] [--pg-setting name=value …]
 * (`--max-semi-space-size=2`: the agent's own young generation, as `npm start` runs it.) `--warm-up` (default 20)
 * requests of each shape go first, unmeasured: an agent serving a portal runs these paths all day, so the figures are
 * its steady state. The list requests are sent and timed from a worker thread (http-client.ts), so that the client's
 * own work and garbage do not count in the agent's figures. The URL argument or TEST_DATABASE_URL names a server; the
 * bench makes a scratch database there per size and drops it afterwards. For each query shape: p50/p99 over HTTP,
 * the store's own p50 and CPU per question (`storeOnlyCpuMs`: the PostgreSQL server's backends, read from /proc when
 * the server runs on this host, else null; and the bench process's, which is the agent's store path: both far less
 * moved by other work on a shared machine than the times are), the plan's shape (which index or scan reads each
 * table, so that a plan turning into a scan of vms shows; for a prepared search, the plan its runs settle on), the
 * buffers it touches and the server's own planning and execution times: HTTP minus store is the agent's HTTP, auth
 * and JSON; store minus the server's times is the round trip and decoding. The seed writes the VMs
 * in bulk (seed.ts). The export runs in an agent of its own (export-in-agent.ts, with the agent's flags, not in this
 * process that seeded the rows): its time and the growth of that agent's RSS while it ran (peak, sampled every 10 ms).
 *
 * #23, 10,000 VMs, `--requests 700`, PostgreSQL 15 (scripts/pg-throwaway.sh) on this 2-core machine while two other
 * benches ran (load 3.5–4.4, so the times are upper bounds), before (406f397) and after the list's statements were
 * compiled once per shape, its searches prepared and searched by IP range, and the agent's sessions planned with
 * random_page_cost 1.1, runs interleaved: all shapes p50 9.53 / 10.10 → 5.36 / 5.74 ms, p99 36.2 / 33.1 → 19.8 /
 * 14.7 ms (GET /api/v1/flavors meanwhile: p50 1.4–1.9 ms). CPU per store-only question, server / agent store path
 * (ms; before: the same loop in a script of its own): first page 1.8 / 2.0 → 1.9 / 1.4, name search 3.5 / 2.0 →
 * 2.2 / 1.2, IP prefix + flavor 4.6 / 2.2 → 2.5 / 1.4, owner + host 6.3 / 2.3 → 2.8 / 1.6, rare name 2.4 / 0.9 →
 * 0.5 / 0.5, tag 2.4 / 1.5 → 2.5 / 1.1, deep offset 2.4 / 1.3 → 2.9 / 1.1, whole IP 3.0 / 1.3 → 3.9 / 0.5 (planned
 * each time: PostgreSQL keeps no plan for all values there). At 100,000 VMs the server's CPU per question stayed or
 * fell (name search 12.7–12.9 → 12.3–12.9 ms, IP prefix 14.1–14.8 → 12.8–14.2, owner + host 10.2–10.6 → 9.7–10.0)
 * and the agent's halved; times there were not measured quietly (load 6–9).
 *
 * #23, the 10,000-VM tail (p99 11.6 ms for a p50 of 5.2 at load ~1, 18:56): what it is made of, measured with
 * tail.ts (each request's client, agent, query and each thread's run and run-queue wait, from /proc/…/schedstat) and
 * profile.ts. Quiet (load 0.9), 2,000 requests after this bench's warm-up: client p50 4.36 / p99 10.74 ms, the agent
 * (app.fetch) p99 7.99, its queries p99 6.85, outside the agent (sockets, the client's worker) p99 4.47. Not the GC:
 * 63 young collections and no full one in 2,000 requests, and requests a collection paused had the same p99 as the
 * rest (13.1 / 13.5 ms, profile.ts). A request costs ~6 ms of CPU for ~5 ms of wall time on 2 cores: the agent's
 * main thread 1.6–2.1 ms, V8's helper threads 0.8–1.1 (TurboFan's compiles, the GC's parallel work), the bench's
 * client worker 0.6–0.9, the PostgreSQL backend 2.3–3.0 (means per request). The slowest requests are run-queue
 * waits: the main thread or the backend waiting 8–27 ms for a core while V8's helpers ran 10–24 ms in that request,
 * or while nothing of the bench ran (other processes). The JIT is still warming during the measured requests:
 * `--trace-opt` showed 466 functions optimised during 2,000 requests after this warm-up (~30 per 100 requests at
 * first, ~5 per 100 after 5,000); 4,000 more warm-up requests (tail.ts --extra-warm-up) cut the helpers' CPU 1.0–1.1
 * → 0.34–0.39 ms a request and the main thread's 2.1–2.5 → 1.75 (p99 19.2 / 30.6 → 14.4 / 16.1 ms at load 4.6–6.7).
 * A lower interrupt budget (earlier optimisation) compiled more (helpers 1.1 → 1.4–1.6 ms) for no gain.
 * Removed: the planning of the whole-address search (PostgreSQL kept planning it for its values, 2.2–2.3 ms of
 * server CPU a run, for a plan no faster than the generic one, plan-modes.ts): prepared searches now run their
 * generic plan (core/store/prepared.ts). Interleaved, at load 7–8: its storeOnlyCpuMs server 3.33 / 3.33 → 0.67 /
 * 0.53 ms, planning 2.16 / 2.34 → 0.06 / 0.05 ms, store-only p50 9.84 / 3.97 → 1.17 / 1.06 ms; the backend's mean
 * CPU per list request (tail.ts) 2.31 / 2.61 → 1.87 / 2.27 ms; no other shape moved (again at load 4–6: whole IP
 * server 3.27 / 4.07 → 0.53 / 0.53 ms, p50 5.30 / 4.94 → 2.18 / 2.37 ms). At 100,000 VMs (plan-modes.ts, auto →
 * generic, server CPU a run): whole IP 3.9 → 0.7 ms, owner + host 11.0 → 8.3, rare name 4.0 → 2.1, IP prefix + flavor
 * 15.9–16.1 → 15.2–17.0, name 14.2 → 14.1, a 2-octet prefix 24.7 → 24.3. This bench at 10,000 VMs, `--requests
 * 700`, interleaved at load 1.9–2.5 (the quietest the shared host got), before / after: all shapes p50 5.17 / 4.62 →
 * 3.88 / 4.61 ms, p99 11.49 / 16.29 → 15.45 / 11.30 ms (the p99 of 700 requests moves by ±4 ms between identical
 * runs there: single requests' run-queue waits), whole IP p50 5.83 / 4.62 → 1.90 / 2.25 ms, its server CPU 3.67 /
 * 3.27 → 0.53 / 0.60 ms. What the tail is made of after (tail.ts, 2,000 requests, load 1.35): client p50 4.58 / p99
 * 9.69 ms, the agent p99 6.95, its queries p99 6.00, outside the agent p99 4.74. Of the 12 slowest requests (10.7–17.1
 * ms), in 11 V8's helper threads ran 9–21 ms (median request: 0), in 10 the agent's main thread waited 5.5–9.7 ms for
 * a core and the bench's own client worker ran 4.6–8.4 ms (median 0.58: its own code still being compiled and
 * collected); the backend waited 12 ms in one, under 4.3 ms in the others. The helpers serve the agent's and the
 * worker's isolates alike, so their compiles are partly the bench client's. And a row copier compiled once
 * per list of keys, not twice per page (20–29 → 4–5 µs a page). What is left: the unsearched questions' planning
 * (0.55–0.65 ms a run; their plans depend on the filters' values, and the first page's generic plan cost 3.4 ms
 * against 1.8), the agent's 1.6–2 ms, the JIT's warm-up, and whatever else runs on the two cores.
 *
 * #23, the quiet host once every change of that day was in (20:08 UTC, load 1.3, nothing else running), this bench's
 * defaults with `--requests 700`: 10,000 VMs p50 4.65 / p99 10.81 ms (18:56, before the day's changes: 5.20 / 11.56);
 * 100,000 VMs p50 5.84 / p99 19.59 (21.56); the export of 100,000 rows 2.23 s, the agent +12.9 MiB. `--vms 10000
 * --warm-up 300` right after: p50 4.61 / p99 10.76, so a longer warm-up (the JIT settled) does not remove the tail.
 *
 * #23, session 11 (22:10–23:10 UTC, the shared host at load 8–15 throughout: no quiet figures). Where the agent's CPU
 * per list request goes (perf record on its main thread, 10,000 VMs, the loop of loop.ts): the driver's decoding of
 * the rows (pg-protocol and pg, ~26 %), JSON.stringify of the page (~8 %, 40 KB for 50 rows of 29 columns), Effect's
 * runtime for the token check and the query (~10 %), hono, validation and node's HTTP the rest; the kernel ~7 %
 * (the `writev` that V8's profiler shows at 20 % of the thread is mostly the thread waiting for a core after waking
 * the reader). The token check is cached (core/auth/verified-tokens.ts). Allocations ~430 KiB a request (heap
 * sampling): the rows' strings and objects, the JSON and its write. Two changes, measured by a loop of 2,000
 * requests after 800 of warm-up against a kept database of 10,000 VMs, reading each thread's run time from
 * /proc/…/schedstat, base / change runs interleaved (5 / 5 and 2 runs): the store reads rows as arrays made into
 * objects by one compiled literal (core/store/plain-rows.ts): the agent's young collections 490–494 → 436–442 per
 * 2,000 requests (the page's statement alone in a loop: no difference); the list's unsearched statements prepared and
 * planned for each run's values (core/store/prepared.ts): the server's CPU a run, the statement alone, 200–400 runs,
 * 3 rounds: first page 4.1–5.1 → 3.4–3.7 ms, tag + state 5.1–5.5 → 4.9–5.0, deep offset 5.7 → 5.4–5.7 (a generic
 * plan instead: 9.7–10.5 for the first page). Within a request the main thread's and the backend's run times moved
 * less than the host's noise (main 2.9–4.8 / 2.7–4.1 ms, backend 3.9–5.0 / 4.3–4.5 ms a request at load 8–15).
 * This bench, `--vms 10000 --requests 700`, before (504aae2) / after, 2 rounds interleaved at load 11–16: all shapes
 * p50 24.4, 23.5 / 27.6, 21.8 ms, p99 95.8, 122.5 / 103.9, 87.8 (GET /api/v1/flavors meanwhile: p50 9.9, 9.8 / 4.4,
 * 7.6, p99 57.8, 50.1 / 78.2, 50.7: a route that does almost nothing had a p99 5–18 × its p50, the tail being waits
 * for a core); storeOnlyCpuMs server, first page 3.73, 3.73 / 3.60, 3.67, tag + state 5.60, 5.47 / 5.40, 5.13, deep
 * page by offset 5.87, 5.93 / 5.93, 5.73, the searches unchanged; export of 10,000 rows 1.8–2.0 / 1.9–2.2 s.
 * The same session's quiet host (23:15–23:24 UTC, load 0.3–1.2; a 2 GHz EPYC, ~1.9× slower per list request than the
 * machine of the figures above), this bench's defaults with `--requests 700`, 504aae2 / HEAD (10,000 VMs interleaved):
 * 10,000 VMs p50 9.06, 8.90 / 8.66, 8.78, 8.74 ms, p99 15.44, 16.35 / 15.66, 15.56, 15.46 (GET /api/v1/flavors p50
 * 2.4–2.8 ms); 100,000 VMs p50 10.45 / 9.90, p99 33.06 / 33.35; export of 100,000 rows 4.51 / 4.80 s, +12.8 / +12.5 MiB.
 */
import { randomBytes, randomUUID } from "node:crypto"
import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { serve } from "@hono/node-server"
import { Effect, Exit, Schema, Scope } from "effect"
import pg from "pg"
import { createApp } from "../../agent/app.ts"
import { makeAgentRuntime } from "../../agent/runtime.ts"
import { tuneHeapForRequests } from "../../agent/start/heap.ts"
import { columnFields, vmColumnNames } from "../../agent/vms/columns.ts"
import { cursorAt } from "../../agent/vms/list-cursor.ts"
import { toVmQuery, VmListQuery } from "../../agent/vms/list-query.ts"
import { issueToken } from "../../core/auth/tokens.ts"
import { openDatabase } from "../../core/store/database.ts"
import { layerPostgres } from "../../core/store/layer.ts"
import { Store } from "../../core/store/ports.ts"
import { embeddedServer } from "../../core/store/server/server.ts"
import { serverUser } from "../../core/store/server/server-user.ts"
import { makeFakeDriver } from "../../plugins/fake/index.ts"
import { wholeNumberFlag, wholeNumbersFlag } from "../shared/flags.ts"
import { loadAverages, machineFacts } from "../shared/load.ts"
import { withScratchDatabase } from "../shared/scratch-database.ts"
import { exportInAgent } from "./export-in-agent.ts"
import { httpClient } from "./http-client.ts"
import { planShape } from "./plans.ts"
import { type BenchWorld, seedVms } from "./seed.ts"
import { serverCpu } from "./server-cpu.ts"
import { summarise } from "./stats.ts"

// The agent's own heap setting (agent/start/agent.ts does the same at start).
tuneHeapForRequests()
const sizes = wholeNumbersFlag("--vms", [10_000, 100_000])
const requestCount = wholeNumberFlag("--requests", 500)
const warmUpPerShape = wholeNumberFlag("--warm-up", 20)
/** Store-only questions per shape whose CPU is counted (server-cpu.ts). */
const cpuRuns = wholeNumberFlag("--cpu-runs", 150)
/**
 * Settings for the embedded server over core/store/server/settings.ts (`--pg-setting shared_buffers=16MB`, repeated):
 * to measure what a setting would change before changing the product's.
 */
const pgSettings = Object.fromEntries(
  process.argv.flatMap((arg, at) => {
    if (process.argv[at - 1] !== "--pg-setting") return []
    const [name, value] = arg.split("=", 2)
    if (name === undefined || value === undefined) throw new Error("--pg-setting takes name=value")
    return [[name, value]]
  }),
)
const postgresUrl =
  process.argv.slice(2).find((arg) => /^postgres(ql)?:\/\//.test(arg)) ?? process.env.TEST_DATABASE_URL
const progress = (line: string) => process.stderr.write(`${line}\n`)
/** #23: list + search + filter + totals p99 at 10,000 and at 100,000 VMs; the export of 100,000 rows. */
const targetP99Ms = (vms: number) => (vms <= 10_000 ? 10 : 25)
const exportTarget = { ms: 5000, rssGrowthMiB: 50 }

/** The list questions a portal asks, each with totals; they rotate so that no single plan gets all the cache. */
const queryShapes = (world: BenchWorld, deep: number, deepCursor: string): Record<string, string> => ({
  "first page, no filter": "limit=50",
  "search name + state + newest first": "search=shop&state=running,stopped&sort=createdAt&order=desc&limit=50",
  "search IP prefix + flavor": `search=10.20.1&flavorId=${world.flavorIds[0]},${world.flavorIds[1]}&limit=50`,
  "tag + state, sorted by CPUs": "tag=app-role:web&state=running&sort=cpus&order=desc&limit=50",
  "search owner + host, by name": `search=user1&hostId=${world.hostIds[2]}&sort=displayName&limit=100`,
  "state, deep page by offset, by memory": `state=running&sort=memoryMiB&offset=${deep}&limit=50`,
  "state, deep page by cursor, by memory": `state=running&sort=memoryMiB&limit=50&cursor=${deepCursor}`,
  // Few matches: the cost must follow them, not walk the sort index through every VM looking for them.
  "search whole IP (few matches)": "search=10.20.3.7&limit=50",
  "search rare name, by name": "search=wiki_db_0099&sort=displayName&limit=50",
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

const benchSize = async (url: string, vmCount: number) => {
  const fake = await Effect.runPromise(makeFakeDriver())
  const host = { hostId: randomUUID(), storageDir: "/tmp", shutdownTimeoutMs: 1000, secretKey: randomBytes(32) }
  const runtime = makeAgentRuntime({ store: layerPostgres(url), host, drivers: [fake.driver] })
  try {
    progress(`${vmCount} VMs: seeding`)
    const seedStarted = performance.now()
    const world = await runtime.runPromise(
      seedVms(url, vmCount, (done) => {
        if (done % 10_000 === 0 || done === vmCount) progress(`  ${done}`)
      }),
    )
    const seedMs = Math.round(performance.now() - seedStarted)
    await vacuumAnalyze(url)
    const { secret } = await runtime.runPromise(issueToken(world.superadmin.id, "bench"))
    const app = createApp({ runtime, logError: (message, error) => progress(`${message}: ${String(error)}`) })
    const { server, origin } = await new Promise<{ server: ReturnType<typeof serve>; origin: string }>((resolve) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
        resolve({ server, origin: `http://127.0.0.1:${info.port}` }),
      )
    })
    const client = httpClient(origin, secret)
    try {
      // Row 4,000 of the running VMs (the issue's deep page), by offset and by the cursor of the page before it.
      const deep = Math.min(4000, Math.floor(vmCount * 0.4))
      const before = await client.json<{ next: string }>(
        `/api/v1/vms?state=running&sort=memoryMiB&offset=${deep - 50}&limit=50`,
      )
      const cursor = encodeURIComponent(before.next)
      const shapes = Object.entries(queryShapes(world, deep, cursor))
      const matched: Record<string, number> = {}
      for (const [name, query] of shapes) {
        matched[name] = (await client.json<{ total: number }>(`/api/v1/vms?${query}`)).total
        for (let i = 0; i < warmUpPerShape; i++) await client.timed(`/api/v1/vms?${query}`)
      }
      // What any authenticated request costs here (token lookup, routing, JSON), to read the list figures against.
      const baseline: Array<number> = []
      for (let i = 0; i < 100; i++) baseline.push(await client.timed("/api/v1/flavors"))
      progress(`${vmCount} VMs: ${requestCount} list requests`)
      const all: Array<number> = []
      const byShape: Record<string, Array<number>> = Object.fromEntries(shapes.map(([name]) => [name, []]))
      for (let i = 0; i < requestCount; i++) {
        const [name, query] = shapes[i % shapes.length] ?? ["", ""]
        const ms = await client.timed(`/api/v1/vms?${query}`)
        all.push(ms)
        byShape[name]?.push(ms)
      }
      await client.close()
      progress(`${vmCount} VMs: export.xlsx of every VM`)
      // In an agent of its own, with the agent's flags: its memory is the export's alone (export-in-agent.ts).
      const exported = await exportInAgent(url, world.superadmin.id)
      // The same questions to the store directly (after the HTTP part: an idle keep-alive socket would be closed): what
      // the database takes, apart from HTTP, auth and JSON; and the plan PostgreSQL picks for each.
      const actor = {
        userId: world.superadmin.id,
        role: "superadmin" as const,
        companyId: world.superadmin.companyId,
        departmentId: world.superadmin.departmentId,
      }
      const vmQueries = shapes.map(([name, query]) => {
        const { cursor, ...decoded } = Schema.decodeUnknownSync(VmListQuery)(
          Object.fromEntries(new URLSearchParams(query)),
        )
        const vmQuery = toVmQuery(actor, decoded, false)
        if (cursor === undefined) return [name, vmQuery] as const
        const after = cursorAt(cursor, { by: decoded.sort ?? "createdAt", order: decoded.order ?? "asc" })
        return [name, { ...vmQuery, after }] as const
      })
      // What the route asks the store for: the page with the fields of every column (the list's default).
      const listFields = columnFields(vmColumnNames)
      const storeMs: Record<string, Array<number>> = {}
      const cpuMs: Record<string, { readonly server: number | null; readonly agent: number }> = {}
      for (const [name, vmQuery] of vmQueries) {
        storeMs[name] = []
        const ask = () => runtime.runPromise(Store.use((s) => s.vms.sheet(vmQuery, listFields)))
        for (let i = 0; i < 30; i++) {
          const started = performance.now()
          await ask()
          storeMs[name]?.push(performance.now() - started)
        }
        // CPU per question, the server's and this process's (the store's part of the agent): over more runs, as the
        // server's is counted in 10 ms ticks.
        const server = await serverCpu(url)
        const agentFrom = process.cpuUsage()
        for (let i = 0; i < cpuRuns; i++) await ask()
        const agent = process.cpuUsage(agentFrom)
        const serverMs = await server.stop()
        cpuMs[name] = {
          server: serverMs === null ? null : Math.round((serverMs / cpuRuns) * 100) / 100,
          agent: Math.round(((agent.user + agent.system) / 1000 / cpuRuns) * 100) / 100,
        }
      }
      const plans = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const { db } = yield* openDatabase({ dialect: "postgres", url })
            return yield* Effect.promise(async () => {
              const shapesOf: Record<string, Awaited<ReturnType<typeof planShape>>> = {}
              for (const [name, vmQuery] of vmQueries) shapesOf[name] = await planShape(db, vmQuery, listFields)
              return shapesOf
            })
          }),
        ),
      )
      const list = summarise(all)
      return {
        vms: vmCount,
        seedMs,
        list: {
          ...list,
          targetP99Ms: targetP99Ms(vmCount),
          metTarget: list.p99Ms <= targetP99Ms(vmCount),
          byQuery: Object.fromEntries(
            shapes.map(([name, query]) => [
              name,
              {
                query: query.replace(/cursor=[^&]+/, "cursor=…"),
                matched: matched[name],
                ...summarise(byShape[name] ?? []),
                storeOnlyP50Ms: summarise(storeMs[name] ?? []).p50Ms,
                storeOnlyCpuMs: cpuMs[name],
                plan: plans[name],
              },
            ]),
          ),
        },
        baseline: { route: "GET /api/v1/flavors", ...summarise(baseline) },
        export: {
          rows: vmCount,
          ...exported,
          ...(vmCount >= 100_000
            ? {
                target: exportTarget,
                metTarget: exported.ms <= exportTarget.ms && exported.rssGrowthMiB <= exportTarget.rssGrowthMiB,
              }
            : {}),
        },
      }
    } finally {
      await client.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  } finally {
    await runtime.dispose()
  }
}

// Other work on the machine moves every figure; the load is reported from before and after the run.
const loadavgAtStart = loadAverages()
const results: Array<unknown> = []
/** Without a URL, the embedded server as `npm start` runs it (core/store/server/settings.ts), in a scratch folder. */
const withEmbeddedServer = async <A>(use: (url: string) => Promise<A>): Promise<A> => {
  const dir = mkdtempSync(join(tmpdir(), "hx-bench-pg-"))
  const scope = await Effect.runPromise(Scope.make())
  try {
    chmodSync(dir, 0o711)
    const server = await Effect.runPromise(
      Effect.flatMap(serverUser(), (user) =>
        embeddedServer({ dir: join(dir, "pg"), passwordFile: join(dir, "pg-password"), user, settings: pgSettings }),
      ).pipe(Scope.provide(scope)),
    )
    return await use(server.url)
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(dir, { recursive: true, force: true })
  }
}
const server = postgresUrl === undefined ? "embedded" : "postgres"
const onServer = <A>(use: (url: string) => Promise<A>) =>
  postgresUrl === undefined ? withEmbeddedServer(use) : withScratchDatabase(postgresUrl, use)
for (const vms of sizes) results.push({ server, ...((await onServer((url) => benchSize(url, vms))) as object) })

const report = {
  bench: "api-list",
  what: "GET /api/v1/vms with search, filters and totals over real HTTP (sequential requests, keep-alive), as a superadmin (no scope filter: every VM is a candidate); then GET /api/v1/vms/export.xlsx of every VM, with the agent's memory growth during it",
  statistics: "VACUUM ANALYZE after seeding (what autovacuum does within a minute)",
  machine: machineFacts(loadavgAtStart),
  pgSettings,
  requests: requestCount,
  results,
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
process.exit(0)

import { writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { monitorEventLoopDelay, PerformanceObserver, performance } from "node:perf_hooks"
import { tuneHeapForRequests } from "../../agent/start/heap.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { withScratchDatabase } from "../shared/scratch-database.ts"
import { httpClient } from "./http-client.ts"
import { listen, loopQuestions, withSeededAgent } from "./loop.ts"
import { summarise } from "./stats.ts"

// The agent's own heap setting (agent/start/agent.ts does the same at start).
tuneHeapForRequests()
const vmCount = wholeNumberFlag("--vms", 10_000)
const requestCount = wholeNumberFlag("--requests", 3000)
const profileAt = process.argv[process.argv.indexOf("--cpu-prof") + 1]
const wantsProfile = process.argv.includes("--cpu-prof") && profileAt !== undefined
const heapAt = process.argv[process.argv.indexOf("--heap-sample") + 1]
const wantsHeap = process.argv.includes("--heap-sample") && heapAt !== undefined
const postgresUrl =
  process.argv.slice(2).find((arg) => /^postgres(ql)?:\/\//.test(arg)) ?? process.env.TEST_DATABASE_URL
if (postgresUrl === undefined) throw new Error("a PostgreSQL URL (argument or TEST_DATABASE_URL)")

const retainedSince = (collect: () => void, heapBefore: number) => {
  collect()
  return Math.round(((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20) * 10) / 10
}

const run = (url: string) =>
  withSeededAgent(url, vmCount, async ({ world, secret, app }) => {
    const { server, origin } = await listen(app.fetch)
    const queries = loopQuestions(world)
    // The client runs in a worker thread (http-client.ts): the profile, the delays and the GC are the agent's.
    const client = httpClient(origin, secret)
    const get = client.timed
    try {
      for (let i = 0; i < 400; i++) await get(`/api/v1/vms?${queries[i % queries.length]}`)
      const session = new Session()
      session.connect()
      if (wantsProfile) {
        await session.post("Profiler.enable")
        await session.post("Profiler.setSamplingInterval", { interval: 200 })
        await session.post("Profiler.start")
      }
      if (wantsHeap) {
        await session.post("HeapProfiler.enable")
        await session.post("HeapProfiler.startSampling", {
          samplingInterval: 4096,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        })
      }
      const gcs: Array<{ kind: number; ms: number; at: number }> = []
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          const { kind } = (entry as PerformanceEntry & { detail: { kind: number } }).detail
          gcs.push({ kind, ms: entry.duration, at: entry.startTime })
        }
      })
      observer.observe({ entryTypes: ["gc"] })
      const collect = (globalThis as { gc?: () => void }).gc
      collect?.()
      const heapBefore = process.memoryUsage().heapUsed
      const delay = monitorEventLoopDelay({ resolution: 1 })
      delay.enable()
      const all: Array<number> = []
      const started = performance.now()
      // When each request was in flight, as this thread saw it: to tell the requests a collection paused from the rest.
      const spans: Array<{ from: number; to: number }> = []
      for (let i = 0; i < requestCount; i++) {
        const from = performance.now()
        all.push(await get(`/api/v1/vms?${queries[i % queries.length]}`))
        spans.push({ from, to: performance.now() })
      }
      const wallMs = performance.now() - started
      delay.disable()
      observer.disconnect()
      if (wantsProfile) {
        const { profile } = await session.post("Profiler.stop")
        writeFileSync(profileAt, JSON.stringify(profile))
      }
      if (wantsHeap) {
        const { profile } = await session.post("HeapProfiler.stopSampling")
        writeFileSync(heapAt, JSON.stringify(profile))
      }
      session.disconnect()
      const paused = (span: { from: number; to: number } | undefined) =>
        span !== undefined && gcs.some((gc) => gc.at < span.to && gc.at + gc.ms > span.from)
      const byKind = (kind: number) => gcs.filter((gc) => gc.kind === kind).map((gc) => gc.ms)
      const gcSummary = (kind: number) => {
        const pauses = byKind(kind)
        return pauses.length === 0
          ? { count: 0 }
          : { ...summarise(pauses), totalMs: Math.round(pauses.reduce((a, b) => a + b, 0)) }
      }
      return {
        vms: vmCount,
        requests: summarise(all),
        wallMs: Math.round(wallMs),
        eventLoopDelay: {
          p50Ms: delay.percentile(50) / 1e6,
          p99Ms: delay.percentile(99) / 1e6,
          maxMs: delay.max / 1e6,
        },
        gc: { minor: gcSummary(1), major: gcSummary(4), incremental: gcSummary(8) },
        // The tail with and without a collection during the request: how much of the p99 the GC makes.
        requestsDuringGc: summarise(all.filter((_, at) => paused(spans[at]))),
        requestsWithoutGc: summarise(all.filter((_, at) => !paused(spans[at]))),
        // With --expose-gc: what the loop left on the heap after a full collection (a leak shows here).
        retainedGrowthMiB: collect === undefined ? null : retainedSince(collect, heapBefore),
      }
    } finally {
      await client.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

process.stdout.write(`${JSON.stringify(await withScratchDatabase(postgresUrl, run), null, 2)}\n`)
process.exit(0)

import { readdirSync, readFileSync } from "node:fs"
import { monitorEventLoopDelay, PerformanceObserver, performance } from "node:perf_hooks"
import pg from "pg"
import { tuneHeapForRequests } from "../../agent/start/heap.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages } from "../shared/load.ts"
import { withScratchDatabase } from "../shared/scratch-database.ts"
import { httpClient } from "./http-client.ts"
import { listen, loopQuestions, withSeededAgent } from "./loop.ts"
import { summarise } from "./stats.ts"

tuneHeapForRequests()
const vmCount = wholeNumberFlag("--vms", 10_000)
const requestCount = wholeNumberFlag("--requests", 2000)
const slowest = wholeNumberFlag("--slowest", 20)
/** More warm-up than run.ts's, in rotation: to see what the tail is once the JIT has settled. */
const extraWarmUp = wholeNumberFlag("--extra-warm-up", 0, 0)
const postgresUrl =
  process.argv.slice(2).find((arg) => /^postgres(ql)?:\/\//.test(arg)) ?? process.env.TEST_DATABASE_URL
if (postgresUrl === undefined) throw new Error("a PostgreSQL URL (argument or TEST_DATABASE_URL)")

/** Milliseconds on the clock every thread shares (the worker's performance.now() has another origin). */
const clock = () => performance.timeOrigin + performance.now()

interface QueryTime {
  readonly from: number
  readonly to: number
  readonly text: string
}
const queries: Array<QueryTime> = []
let recording = false
// Every query of the driver, timed from the call to its result (prepared.ts wraps the instance's query over this).
const driverQuery = pg.Client.prototype.query as (...args: Array<unknown>) => unknown
pg.Client.prototype.query = function (this: pg.Client, ...args: Array<unknown>) {
  const result = driverQuery.apply(this, args)
  if (!recording || !(result instanceof Promise)) return result
  const from = clock()
  const first = args[0]
  const text = typeof first === "string" ? first : ((first as { text?: string })?.text ?? "")
  return result.then((value: unknown) => {
    queries.push({ from, to: clock(), text: text.slice(0, 60).replace(/\s+/g, " ") })
    return value
  })
} as typeof pg.Client.prototype.query

/** CPU ticks (1/100 s) of each thread of a process, by thread name. */
const threadTicks = (pid: number | "self"): Record<string, number> => {
  const ticks: Record<string, number> = {}
  let tasks: Array<string> = []
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {}
  for (const task of tasks) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, "utf8")
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      ticks[`${name}:${task}`] = Number(fields[11]) + Number(fields[12])
    } catch {}
  }
  return ticks
}
/** Run time and run-queue wait (ns, /proc/…/schedstat) of each thread listed. */
const schedOf = (paths: ReadonlyArray<string>) =>
  paths.map((path) => {
    try {
      const [ran, waited] = readFileSync(path, "utf8").split(" ")
      return [Number(ran), Number(waited)] as const
    } catch {
      return [0, 0] as const
    }
  })
const ticksSince = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).map(([name, t]) => [name, (t - (before[name] ?? 0)) * 10]))

const run = (url: string) =>
  withSeededAgent(url, vmCount, async ({ world, secret, app }) => {
    const handled: Array<{ from: number; to: number; cpuUs: number }> = []
    const fetch = async (request: Request, env: unknown) => {
      const from = clock()
      const cpu = process.cpuUsage()
      const response = await app.fetch(request, env)
      if (recording) {
        const used = process.cpuUsage(cpu)
        handled.push({ from, to: clock(), cpuUs: used.user + used.system })
      }
      return response
    }
    const { server, origin } = await listen(fetch)
    const shapes = loopQuestions(world)
    const client = httpClient(origin, secret)
    try {
      // As run.ts: the total once, then 20 of each shape, then 100 of the flavors.
      for (const shape of shapes) {
        await client.json(`/api/v1/vms?${shape}`)
        for (let i = 0; i < 20; i++) await client.timed(`/api/v1/vms?${shape}`)
      }
      for (let i = 0; i < 100; i++) await client.timed("/api/v1/flavors")
      for (let i = 0; i < extraWarmUp; i++) await client.timed(`/api/v1/vms?${shapes[i % shapes.length]}`)
      const gcs: Array<{ kind: number; from: number; to: number }> = []
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          const { kind } = (entry as PerformanceEntry & { detail: { kind: number } }).detail
          const from = performance.timeOrigin + entry.startTime
          gcs.push({ kind, from, to: from + entry.duration })
        }
      })
      observer.observe({ entryTypes: ["gc"] })
      const delay = monitorEventLoopDelay({ resolution: 1 })
      delay.enable()
      const lister = new pg.Client({ connectionString: url })
      await lister.connect()
      const backends = (
        await lister.query<{ pid: number }>(
          "select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
        )
      ).rows.map((row) => row.pid)
      await lister.end()
      const backendsBefore = backends.map((pid) => threadTicks(pid))
      const threadsBefore = threadTicks("self")
      recording = true
      if (process.env.TAIL_MARK) process.stdout.write("=== LOOP START ===\n")
      const sent: Array<{ shape: number; from: number; to: number; ms: number }> = []
      // Per request: how long each thread ran and waited for a core (schedstat): the agent's main thread, its other
      // threads (V8's compiler and GC helpers, the client's worker), PostgreSQL's backends.
      const selfTasks = readdirSync("/proc/self/task")
      const mainTid = String(process.pid)
      const workerTid = selfTasks.map(Number).sort((a, b) => b - a)[0]
      const watched = [
        `/proc/self/task/${mainTid}/schedstat`,
        `/proc/self/task/${workerTid}/schedstat`,
        ...selfTasks
          .filter((t) => t !== mainTid && Number(t) !== workerTid)
          .map((t) => `/proc/self/task/${t}/schedstat`),
        ...backends.map((pid) => `/proc/${pid}/schedstat`),
      ]
      const helpers = selfTasks.length - 2
      const sched: Array<{
        main: [number, number]
        worker: [number, number]
        v8: [number, number]
        pg: [number, number]
      }> = []
      for (let i = 0; i < requestCount; i++) {
        const schedFrom = schedOf(watched)
        if (process.env.TAIL_MARK && i % 100 === 0) process.stdout.write(`=== AT ${i} ===\n`)
        const from = clock()
        const ms = await client.timed(`/api/v1/vms?${shapes[i % shapes.length]}`)
        sent.push({ shape: i % shapes.length, from, to: clock(), ms })
        const schedTo = schedOf(watched)
        const d = schedTo.map(
          ([r, w], at) => [(r - (schedFrom[at]?.[0] ?? 0)) / 1e6, (w - (schedFrom[at]?.[1] ?? 0)) / 1e6] as const,
        )
        const sum = (parts: typeof d): [number, number] => [
          parts.reduce((s, p) => s + p[0], 0),
          parts.reduce((s, p) => s + p[1], 0),
        ]
        sched.push({
          main: sum(d.slice(0, 1)),
          worker: sum(d.slice(1, 2)),
          v8: sum(d.slice(2, 2 + helpers)),
          pg: sum(d.slice(2 + helpers)),
        })
      }
      recording = false
      if (process.env.TAIL_MARK) process.stdout.write("=== LOOP END ===\n")
      const threadCpuMs = ticksSince(threadsBefore, threadTicks("self"))
      const backendCpuMs = backends.map((pid, at) => ticksSince(backendsBefore[at] ?? {}, threadTicks(pid)))
      delay.disable()
      observer.disconnect()
      // Each request's parts: its handling by the agent and its queries are those within its span.
      const requests = sent.map((request, at) => {
        const agent = handled.find((h) => h.from >= request.from && h.to <= request.to)
        const own = queries.filter((q) => q.from >= request.from && q.to <= request.to)
        const queryMs = own.reduce((sum, q) => sum + (q.to - q.from), 0)
        const paused = gcs.filter((gc) => gc.from < request.to && gc.to > request.from)
        return {
          at,
          shape: request.shape,
          clientMs: request.ms,
          agentMs: agent === undefined ? Number.NaN : agent.to - agent.from,
          cpuMs: agent === undefined ? Number.NaN : agent.cpuUs / 1000,
          queryMs,
          queries: own.map((q) => ({ ms: Math.round((q.to - q.from) * 100) / 100, text: q.text })),
          beforeQueryMs: agent === undefined || own[0] === undefined ? Number.NaN : own[0].from - agent.from,
          afterQueryMs: agent === undefined || own.at(-1) === undefined ? Number.NaN : agent.to - (own.at(-1)?.to ?? 0),
          gcMs: paused.reduce((sum, gc) => sum + (Math.min(gc.to, request.to) - Math.max(gc.from, request.from)), 0),
          gcKinds: paused.map((gc) => gc.kind),
          sched: sched[at],
        }
      })
      const part = (of: (r: (typeof requests)[number]) => number) => summarise(requests.map(of))
      const round = (n: number) => Math.round(n * 100) / 100
      const byShape = shapes.map((shape, at) => {
        const mine = requests.filter((r) => r.shape === at)
        return {
          shape,
          client: summarise(mine.map((r) => r.clientMs)),
          agent: summarise(mine.map((r) => r.agentMs)),
          query: summarise(mine.map((r) => r.queryMs)),
          cpu: summarise(mine.map((r) => r.cpuMs)),
        }
      })
      return {
        vms: vmCount,
        load: loadAverages(),
        client: part((r) => r.clientMs),
        agent: part((r) => r.agentMs),
        outsideAgent: part((r) => r.clientMs - r.agentMs),
        query: part((r) => r.queryMs),
        agentOutsideQuery: part((r) => r.agentMs - r.queryMs),
        cpu: part((r) => r.cpuMs),
        sched: Object.fromEntries(
          (["main", "worker", "v8", "pg"] as const).flatMap((k) => [
            [`${k}Ran`, part((r) => r.sched?.[k][0] ?? 0)],
            [`${k}Waited`, part((r) => r.sched?.[k][1] ?? 0)],
          ]),
        ),
        gc: {
          minor: gcs.filter((gc) => gc.kind === 1).length,
          major: gcs.filter((gc) => gc.kind === 4).length,
          minorTotalMs: round(gcs.filter((gc) => gc.kind === 1).reduce((s, gc) => s + gc.to - gc.from, 0)),
          majorTotalMs: round(gcs.filter((gc) => gc.kind === 4).reduce((s, gc) => s + gc.to - gc.from, 0)),
        },
        threadCpuMs,
        backendCpuMs,
        eventLoopDelay: {
          p50Ms: delay.percentile(50) / 1e6,
          p99Ms: delay.percentile(99) / 1e6,
          maxMs: delay.max / 1e6,
        },
        byShape,
        byWindow: Array.from({ length: Math.ceil(requests.length / 500) }, (_, w) =>
          summarise(requests.slice(w * 500, w * 500 + 500).map((r) => r.clientMs)),
        ),
        slowest: [...requests]
          .sort((a, b) => b.clientMs - a.clientMs)
          .slice(0, slowest)
          .map((r) => ({
            ...r,
            clientMs: round(r.clientMs),
            agentMs: round(r.agentMs),
            cpuMs: round(r.cpuMs),
            queryMs: round(r.queryMs),
            beforeQueryMs: round(r.beforeQueryMs),
            afterQueryMs: round(r.afterQueryMs),
            gcMs: round(r.gcMs),
          })),
      }
    } finally {
      await client.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

process.stdout.write(`${JSON.stringify(await withScratchDatabase(postgresUrl, run), null, 2)}\n`)
process.exit(0)

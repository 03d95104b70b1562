/**
 * bench/load: list and detail throughput and latency under 50, 100 and 200 concurrent clients (#14's standing drill).
 * The agent runs in a child process (bench/load/server.ts: fake driver, records on PostgreSQL, --vms VMs); the
 * clients run here, on the same cores, over loopback with keep-alive. Each client makes a bounded number of
 * requests, alternating the VM list (`?limit=20`, with totals) and one VM's detail, as a superadmin. Each level runs
 * `--runs` times; the report gives every run and the medians. Prints JSON only on stdout (progress on stderr):
 *   node --import tsx bench/load/run.ts [POSTGRES-URL] [--vms N] [--requests N] [--runs N] [--profile DIR]
 * PostgreSQL: the URL argument or TEST_DATABASE_URL; a scratch database is made there and dropped afterwards.
 * --profile DIR runs the agent with --cpu-prof and leaves its .cpuprofile in DIR.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { performance } from "node:perf_hooks"
import { createInterface } from "node:readline"
import { percentile } from "../api-list/stats.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages, machineFacts } from "../shared/load.ts"
import { withScratchDatabase } from "../shared/scratch-database.ts"

const vmCount = wholeNumberFlag("--vms", 2_000)
const requestsPerLevel = wholeNumberFlag("--requests", 4_000)
const runs = wholeNumberFlag("--runs", 3)
const profileAt = process.argv.indexOf("--profile")
const profileDir = profileAt >= 0 ? process.argv[profileAt + 1] : undefined
const postgresUrl =
  process.argv.slice(2).find((arg) => /^postgres(ql)?:\/\//.test(arg)) ?? process.env.TEST_DATABASE_URL
const levels = [50, 100, 200] as const
const target = { clients: 50, requestsPerSecond: 1_000, p99Ms: 100 }
const progress = (line: string) => process.stderr.write(`${line}\n`)

interface Served {
  readonly port: number
  readonly token: string
  readonly vmIds: ReadonlyArray<string>
}

const startAgent = (url: string): Promise<{ child: ChildProcess; served: Served }> =>
  new Promise((resolve, reject) => {
    const profile = profileDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", profileDir]
    const child = spawn(
      process.execPath,
      [...profile, "--import", "tsx", new URL("./server.ts", import.meta.url).pathname, url, "--vms", String(vmCount)],
      { stdio: ["pipe", "pipe", "inherit"] },
    )
    child.once("error", reject)
    child.once("exit", (code) => reject(new Error(`the agent exited with ${code} before it listened`)))
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", (line) =>
      resolve({ child, served: JSON.parse(line) as Served }),
    )
  })

const round = (value: number) => Math.round(value * 10) / 10

/**
 * CPU time the agent process has used, in ms (utime + stime of /proc/PID/stat, in 10 ms ticks). Per request, it is
 * the figure a busy shared machine moves least: wall-clock throughput there measures the neighbours as much as us.
 */
const cpuMsOf = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8")
    .replace(/^.*\) /, "")
    .split(" ")
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** One level: `clients` loops, together `requests` requests; every answer must be a 200. */
const level = async (served: Served, pid: number, clients: number, requests: number) => {
  const origin = `http://127.0.0.1:${served.port}`
  const headers = { Authorization: `Bearer ${served.token}` }
  const list: Array<number> = []
  const detail: Array<number> = []
  let failed = 0
  const perClient = Math.ceil(requests / clients)
  const client = async (n: number) => {
    for (let i = 0; i < perClient; i++) {
      const isList = (n + i) % 2 === 0
      const path = isList
        ? "/api/v1/vms?limit=20"
        : `/api/v1/vms/${served.vmIds[(n * perClient + i) % served.vmIds.length]}`
      const started = performance.now()
      const response = await fetch(`${origin}${path}`, { headers })
      await response.arrayBuffer()
      const ms = performance.now() - started
      if (response.status !== 200) failed++
      ;(isList ? list : detail).push(ms)
    }
  }
  const started = performance.now()
  const cpuBefore = cpuMsOf(pid)
  await Promise.all(Array.from({ length: clients }, (_, n) => client(n)))
  const seconds = (performance.now() - started) / 1000
  const agentCpuMs = cpuMsOf(pid) - cpuBefore
  const all = [...list, ...detail]
  return {
    clients,
    requests: all.length,
    failed,
    requestsPerSecond: round(all.length / seconds),
    agentCpuMsPerRequest: Math.round((agentCpuMs / all.length) * 100) / 100,
    p50Ms: round(percentile(all, 50)),
    p99Ms: round(percentile(all, 99)),
    list: { p50Ms: round(percentile(list, 50)), p99Ms: round(percentile(list, 99)) },
    detail: { p50Ms: round(percentile(detail, 50)), p99Ms: round(percentile(detail, 99)) },
  }
}

const median = (values: ReadonlyArray<number>) => percentile(values, 50)

const bench = async (url: string) => {
  progress(`seeding ${vmCount} VMs and starting the agent`)
  const { child, served } = await startAgent(url)
  try {
    progress("warming up")
    const pid = child.pid ?? 0
    await level(served, pid, 20, 1_000)
    const perRun: Array<Array<Awaited<ReturnType<typeof level>>>> = []
    for (let run = 0; run < runs; run++) {
      const results = []
      for (const clients of levels) {
        progress(`run ${run + 1}/${runs}: ${clients} clients`)
        results.push(await level(served, pid, clients, requestsPerLevel))
      }
      perRun.push(results)
    }
    const medians = levels.map((clients, index) => {
      const at = perRun.map((results) => results[index]).filter((r) => r !== undefined)
      return {
        clients,
        requestsPerSecond: median(at.map((r) => r.requestsPerSecond)),
        agentCpuMsPerRequest: median(at.map((r) => r.agentCpuMsPerRequest)),
        p50Ms: median(at.map((r) => r.p50Ms)),
        p99Ms: median(at.map((r) => r.p99Ms)),
        failed: at.reduce((sum, r) => sum + r.failed, 0),
      }
    })
    return { perRun, medians }
  } finally {
    child.stdin?.end()
    await new Promise((resolve) => child.once("exit", resolve))
  }
}

if (postgresUrl === undefined) throw new Error("bench/load needs PostgreSQL: pass a URL or set TEST_DATABASE_URL")
const loadavgAtStart = loadAverages()
const { perRun, medians } = await withScratchDatabase(postgresUrl, bench)
const atTarget = medians.find((m) => m.clients === target.clients)
const report = {
  bench: "load",
  what:
    "GET /api/v1/vms?limit=20 (with totals) and GET /api/v1/vms/{id}, alternating, as a superadmin, by N concurrent " +
    "keep-alive clients in this process; the agent (fake driver, PostgreSQL) in a child process on the same cores",
  machine: machineFacts(loadavgAtStart),
  vms: vmCount,
  requestsPerLevel,
  runs,
  target,
  metTarget:
    atTarget !== undefined &&
    atTarget.requestsPerSecond >= target.requestsPerSecond &&
    atTarget.p99Ms <= target.p99Ms &&
    atTarget.failed === 0,
  medians,
  perRun,
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)

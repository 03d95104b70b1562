/**
 * bench/footprint: what the agent costs a host (#13, P6). Starts `npm start` (the agent with the fake driver and its
 * embedded PostgreSQL) on a new data folder, and measures after each start: the agent's Node process (RSS), and the
 * whole agent — Node, any other child process of it and every PostgreSQL process — as PSS from /proc/<pid>/smaps_rollup
 * (shared pages counted once, split between the processes that share them); and the time from `npm start` to the
 * API answering (`GET /api/v1/version`, which reads nothing: the first `openapi.json` builds the OpenAPI document, some
 * 300 ms of CPU, so that fetch is timed on its own, in the scenario with VM records), with the CPU time the agent's
 * Node process spent until then (a figure other work on the machine disturbs less than the wall-clock one). Scenarios: first start, later start, later start with 1,000 VM records listed, and with `--qemu` an
 * agent on QEMU running 5 tiny guests (QEMU's own processes are not the agent's: left out). Prints JSON only:
 *   node --import tsx bench/footprint/run.ts [--vms N] [--qemu]
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { availableParallelism, tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { setTimeout as sleep } from "node:timers/promises"
import { Effect, ManagedRuntime } from "effect"
import { layerPostgres } from "../../core/store/layer.ts"
import { runningServerUrl } from "../../core/store/server/server.ts"
import { seedVms } from "../api-list/seed.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages } from "../shared/load.ts"

const vmCount = wholeNumberFlag("--vms", 1000)
const targets = { nodeMiB: 120, wholeMiB: 250, laterStartMs: 1500 }
const progress = (line: string) => process.stderr.write(`${line}\n`)
const root = new URL("../../", import.meta.url).pathname

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

const statusOf = (pid: number) => readFileSync(`/proc/${pid}/status`, "utf8")
const kib = (text: string, field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0)
const mib = (kb: number) => Math.round((kb / 1024) * 10) / 10

/** Every process whose parent is `pid`, and theirs. */
const descendants = (pid: number): ReadonlyArray<number> => {
  const children = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((child) => {
      try {
        return Number(statusOf(child).match(/PPid:\s+(\d+)/)?.[1]) === pid
      } catch {
        return false
      }
    })
  return children.flatMap((child) => [child, ...descendants(child)])
}

const isNode = (pid: number) => readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "node"

const isQemu = (pid: number) => readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("qemu-system")

const commandOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ")

/** The agent's Node process: `npm start` runs scripts/start.mjs, the `hyperx` command dist/hyperx.js. */
const isAgent = (pid: number) => {
  try {
    return /(hyperx\.js|start\.mjs) agent/.test(commandOf(pid)) && isNode(pid)
  } catch {
    return false // a process that ended meanwhile
  }
}

/** CPU time (user + system) a process has used so far, in ms; /proc counts it in clock ticks of 10 ms. */
const cpuMsOf = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
  return (Number(fields[11]) + Number(fields[12])) * 10
}

const pssOf = (pids: ReadonlyArray<number>) =>
  mib(pids.reduce((sum, pid) => sum + kib(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"), "Pss"), 0))

/** What the agent holds now: its Node process, its other children (none but host commands), the PostgreSQL processes. */
const footprint = (npm: ChildProcess, data: string) => {
  // npm runs the script through sh: the agent is the node process under it.
  const agent = descendants(npm.pid ?? 0).find(isAgent)
  if (agent === undefined) throw new Error("no agent process under npm start")
  const postmaster = Number(readFileSync(join(data, "pg", "postmaster.pid"), "utf8").split("\n")[0])
  const postgres = [postmaster, ...descendants(postmaster)]
  // The embedded server is the agent's child too: counted once, as PostgreSQL, not again among the others.
  const others = descendants(agent).filter((pid) => !isQemu(pid) && !postgres.includes(pid))
  const status = statusOf(agent)
  return {
    nodeArgs: commandOf(agent).split(" agent ")[0],
    nodeRssMiB: mib(kib(status, "VmRSS")),
    nodePeakRssMiB: mib(kib(status, "VmHWM")),
    nodePssMiB: pssOf([agent]),
    otherChildrenPssMiB: pssOf(others),
    postgresPssMiB: pssOf(postgres),
    postgresProcesses: postgres.length,
    wholePssMiB: pssOf([agent, ...others, ...postgres]),
  }
}

/** `npm start` until the API answers (any HTTP answer on its port); ms from the spawn, and the agent's CPU ms. */
const start = async (data: string, driver: "fake" | "qemu" = "fake") => {
  const port = await freePort()
  const began = performance.now()
  const npm = spawn("npm", ["start", "--", "--data", data, "--port", String(port), "--driver", driver], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  })
  let output = ""
  npm.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  npm.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  const origin = `http://127.0.0.1:${port}`
  for (;;) {
    if (npm.exitCode !== null) throw new Error(`npm start exited ${npm.exitCode}:\n${output}`)
    const answered = await fetch(`${origin}/api/v1/version`).then(
      (response) => response.status > 0,
      () => false,
    )
    if (answered) break
    await sleep(20)
  }
  const ms = Math.round(performance.now() - began)
  const agent = descendants(npm.pid ?? 0).find(isAgent)
  const cpuMs = agent === undefined ? undefined : cpuMsOf(agent)
  while (!output.includes("Stop the agent with Ctrl-C")) await sleep(20)
  const token = output.match(/hx_[A-Za-z0-9_-]{20,}/)?.[0]
  return { npm, origin, ms, cpuMs, token }
}

const stop = async (npm: ChildProcess) => {
  const exited = new Promise((resolve) => npm.once("exit", resolve))
  // npm passes SIGINT to the agent, as Ctrl-C in the terminal does.
  for (const pid of descendants(npm.pid ?? 0)) {
    if (isAgent(pid)) process.kill(pid, "SIGINT")
  }
  await exited
}

const settle = () => sleep(2000)

const data = mkdtempSync(join(tmpdir(), "hx-footprint-"))
const scenarios: Array<Record<string, unknown>> = []
const loadavgAtStart = loadAverages()
try {
  progress("first start…")
  const first = await start(data)
  await settle()
  scenarios.push({
    scenario: "first start, 0 VMs",
    startToApiMs: first.ms,
    agentCpuMsToApi: first.cpuMs,
    ...footprint(first.npm, data),
  })
  const token = first.token
  await stop(first.npm)

  progress("later start…")
  const later = await start(data)
  await settle()
  scenarios.push({
    scenario: "later start, 0 VMs",
    startToApiMs: later.ms,
    agentCpuMsToApi: later.cpuMs,
    ...footprint(later.npm, data),
  })

  progress(`seeding ${vmCount} VM records…`)
  const url = await Effect.runPromise(
    runningServerUrl({ dir: join(data, "pg"), passwordFile: join(data, "pg-password") }),
  )
  if (url === undefined) throw new Error("the embedded server does not run")
  const seeding = ManagedRuntime.make(layerPostgres(url))
  await seeding.runPromise(seedVms(url, vmCount, () => {}))
  await seeding.dispose()
  await stop(later.npm)

  progress(`later start with ${vmCount} VMs…`)
  const loaded = await start(data)
  for (let page = 0; page < 10; page++) {
    const response = await fetch(`${loaded.origin}/api/v1/vms?limit=100&offset=${page * 100}`, {
      headers: { Authorization: `Bearer ${token}` },
    })
    await response.arrayBuffer()
  }
  const openApiBegan = performance.now()
  await (await fetch(`${loaded.origin}/api/v1/openapi.json`)).arrayBuffer()
  const openApiFirstMs = Math.round(performance.now() - openApiBegan)
  await settle()
  scenarios.push({
    scenario: `later start, ${vmCount} VM records (fake driver), 10 list pages of 100 and openapi.json served`,
    startToApiMs: loaded.ms,
    agentCpuMsToApi: loaded.cpuMs,
    openApiFirstMs,
    ...footprint(loaded.npm, data),
  })
  await stop(loaded.npm)
} finally {
  rmSync(data, { recursive: true, force: true })
}

/** An agent on QEMU with 5 tiny guests running; the guests are killed afterwards (they outlive the agent otherwise). */
const withGuests = async () => {
  const folder = mkdtempSync(join(tmpdir(), "hx-footprint-qemu-"))
  try {
    progress("QEMU: first start (builds the tiny guest image if the cache has none)…")
    const agent = await start(folder, "qemu")
    const headers = { Authorization: `Bearer ${agent.token}`, "Content-Type": "application/json" }
    const ids: Array<string> = []
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${agent.origin}/api/v1/vms`, {
        method: "POST",
        headers,
        body: JSON.stringify({ imageId: "tiny-linux", flavorId: "tiny", name: `footprint_${i}` }),
      })
      ids.push(...((await response.json()) as { vmIds: Array<string> }).vmIds)
    }
    for (const id of ids) {
      for (;;) {
        const detail = (await (await fetch(`${agent.origin}/api/v1/vms/${id}`, { headers })).json()) as {
          vm: { state: string }
        }
        if (detail.vm.state === "running") break
        if (detail.vm.state === "error") throw new Error(`VM ${id} failed to start`)
        await sleep(500)
      }
    }
    await settle()
    const measured = footprint(agent.npm, folder)
    // QEMU runs on its own (not a child of the agent): its guests are the QEMU processes whose disks are in the folder.
    const guests = readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .filter((pid) => {
        try {
          return isQemu(pid) && commandOf(pid).includes(folder)
        } catch {
          return false
        }
      })
    for (const pid of guests) process.kill(pid, "SIGKILL")
    await stop(agent.npm)
    return {
      scenario: "first start on QEMU, 5 tiny guests running",
      startToApiMs: agent.ms,
      agentCpuMsToApi: agent.cpuMs,
      guests: guests.length,
      ...measured,
    }
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}
if (process.argv.includes("--qemu")) scenarios.push(await withGuests())

const report = {
  bench: "footprint",
  what: "npm start (hyperx agent --driver fake) on a new data folder with the embedded PostgreSQL; memory 2 s after the API answers",
  targets,
  met: {
    node: scenarios.every((s) => (s.nodeRssMiB as number) <= targets.nodeMiB),
    whole: scenarios.every((s) => (s.wholePssMiB as number) <= targets.wholeMiB),
    laterStart: scenarios
      .filter((s) => String(s.scenario).startsWith("later"))
      .every((s) => (s.startToApiMs as number) <= targets.laterStartMs),
  },
  notMeasured: process.argv.includes("--qemu") ? [] : ["5 running tiny guests on QEMU: pass --qemu"],
  machine: { cpus: availableParallelism(), loadavgAtStart, loadavg: loadAverages(), node: process.version },
  scenarios,
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)

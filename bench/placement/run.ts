/**
 * bench/placement (#16): placement decisions over simulated hosts with mixed constraints (zones, dedicated hosts,
 * hosts in maintenance, suspect or down, networks, GPUs, affinity and anti-affinity groups, full hosts). Pure
 * computation, no database. Prints JSON only:
 *   node --import tsx bench/placement/run.ts [--hosts 1000] [--decisions 10000] [--runs 3]
 * The target is 10,000 decisions over 1,000 hosts in at most 1 s. Wall time (runMs) grows with whatever else the
 * machine runs; CPU time (cpuMs, this process's own) does not, so on a shared machine the target is judged on it.
 */
import { performance } from "node:perf_hooks"
import type { HostState } from "../../core/model/host.ts"
import type { Candidate, PlacementRequest } from "../../core/placement/candidate.ts"
import { place } from "../../core/placement/place.ts"
import { sampleHost } from "../../core/rules/testing-records.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages } from "../shared/load.ts"

const hostCount = wholeNumberFlag("--hosts", 1000)
const decisionCount = wholeNumberFlag("--decisions", 10_000)
const runs = wholeNumberFlag("--runs", 3)
const targetMs = 1000

/** A fixed pseudo-random sequence (mulberry32), so every run and every machine sees the same cluster. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const next = random(16)
const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(next() * items.length)] as A

const zones = ["z1", "z2", "z3", "z4"]
const departments = Array.from({ length: 50 }, (_, i) => `dept-${i}`)
const networks = Array.from({ length: 20 }, (_, i) => `net-${i}`)
const groups = Array.from({ length: 200 }, (_, i) => `group-${i}`)
/** Eight in eleven hosts up; the rest in maintenance, suspect or down. */
const states: ReadonlyArray<HostState> = [...Array<HostState>(8).fill("up"), "maintenance", "suspect", "down"]

const hosts: ReadonlyArray<Candidate> = Array.from({ length: hostCount }, (_, i) => {
  const cpus = pick([16, 32, 64, 128])
  const memoryMiB = cpus * 4096
  return {
    host: sampleHost({
      id: `host-${i}`,
      name: `host-${i}`,
      zone: pick(zones),
      cpus,
      memoryMiB,
      cpuOvercommitPercent: pick([100, 200, 400]),
      memoryOvercommitPercent: pick([100, 100, 150]),
      dedicatedDepartmentId: next() < 0.05 ? pick(departments) : null,
    }),
    state: pick(states),
    cpusUsed: Math.floor(next() * cpus * 1.5),
    memoryMiBUsed: Math.floor(next() * memoryMiB),
    gpusFree: next() < 0.1 ? pick([1, 2, 4]) : 0,
    usbFree: next() < 0.2 ? 1 : 0,
    networkIds: networks.filter(() => next() < 0.5),
    groupIds: new Set(groups.filter(() => next() < 0.01)),
  }
})

const requests: ReadonlyArray<PlacementRequest> = Array.from({ length: decisionCount }, () => ({
  cpus: pick([1, 2, 4, 8]),
  memoryMiB: pick([512, 2048, 8192, 32768]),
  count: pick([1, 1, 1, 2, 5]),
  departmentId: pick(departments),
  dedicated: next() < 0.2,
  zone: next() < 0.5 ? pick(zones) : undefined,
  gpus: next() < 0.05 ? 1 : undefined,
  usb: next() < 0.05 ? 1 : undefined,
  networkIds: next() < 0.6 ? [pick(networks)] : undefined,
  groups: next() < 0.3 ? [{ id: pick(groups), policy: pick(["affinity", "anti-affinity"] as const) }] : undefined,
}))

const outcomes: Record<string, number> = {}
const runMs: Array<number> = []
const cpuMs: Array<number> = []
for (let run = 0; run < runs; run++) {
  const cpuStarted = process.cpuUsage()
  const started = performance.now()
  for (const request of requests) {
    const placement = place(hosts, request)
    if (run === 0) {
      const key = placement._tag === "Placed" ? "placed" : placement.refusedBy.rule
      outcomes[key] = (outcomes[key] ?? 0) + 1
    }
  }
  runMs.push(Math.round((performance.now() - started) * 10) / 10)
  const cpu = process.cpuUsage(cpuStarted)
  cpuMs.push(Math.round((cpu.user + cpu.system) / 100) / 10)
}

const worst = Math.max(...runMs)
process.stdout.write(
  `${JSON.stringify(
    {
      bench: "placement",
      hosts: hostCount,
      decisions: decisionCount,
      runMs,
      cpuMs,
      worstMs: worst,
      worstCpuMs: Math.max(...cpuMs),
      perDecisionUs: Math.round((worst * 1000) / decisionCount),
      targetMs,
      withinTarget: Math.max(...cpuMs) <= targetMs,
      outcomes,
      loadAverages: loadAverages(),
    },
    null,
    2,
  )}\n`,
)

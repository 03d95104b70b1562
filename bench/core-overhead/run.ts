/**
 * bench/core-overhead (#12): what the core itself costs per operation, with a driver that costs next to nothing (the
 * fake, no delays) and the records on PostgreSQL: disk and memory snapshots, rollback, snapshot delete, full and
 * incremental backups, backup delete, a start and a forced stop (operations that move the VM), each run `--runs` times in a loop on one VM. Per operation: the wall time until
 * the task is recorded done and the process's CPU time meanwhile (medians), and the statements sent. Prints JSON only:
 *   node --import tsx bench/core-overhead/run.ts [POSTGRES-URL] [--runs N] [--warm-up N] [--gap MS]
 * The URL argument or TEST_DATABASE_URL names a server; a scratch database is made there and dropped afterwards.
 * `--gap` idles that many milliseconds before each measured operation, as bench/snapshots' operations follow the
 * driver's and the bare commands' runs: the same code then runs with cold caches, which this shows apart.
 * HX_BENCH_TRACE=1 prints the statements of each operation of the first measured round (stderr); HX_BENCH_WINDOWS=FILE
 * writes each measured operation's name, start and end (monotonic µs, as a `--cpu-prof` profile's sample times) as
 * JSON, so that a profile can be read for the operations alone (the idle gaps and the bench's own steps left out).
 */
import { randomBytes, randomUUID } from "node:crypto"
import { writeFileSync } from "node:fs"
import { performance } from "node:perf_hooks"
import { setTimeout as sleep } from "node:timers/promises"
import { Effect, Layer, ManagedRuntime } from "effect"
import { coreLayer } from "../../core/layer.ts"
import type { Task } from "../../core/model/index.ts"
import { backupDisk, deleteBackup } from "../../core/operations/backups/index.ts"
import { power } from "../../core/operations/power.ts"
import type { TaskHandle } from "../../core/operations/run-vm-operation.ts"
import { createSnapshot, deleteSnapshot, rollbackSnapshot } from "../../core/operations/snapshots/index.ts"
import { seedVm, seedWorld } from "../../core/operations/testing/world.ts"
import { layerPostgres } from "../../core/store/layer.ts"
import { Store } from "../../core/store/ports.ts"
import { makeFakeDriver } from "../../plugins/fake/index.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages, machineFacts } from "../shared/load.ts"
import { installQueryCounter } from "../shared/query-counter.ts"
import { withScratchDatabase } from "../shared/scratch-database.ts"

const runs = wholeNumberFlag("--runs", 200)
const warmUp = wholeNumberFlag("--warm-up", 100)
const gapMs = wholeNumberFlag("--gap", 0, 0)
const postgresUrl =
  process.argv.slice(2).find((arg) => /^postgres(ql)?:\/\//.test(arg)) ?? process.env.TEST_DATABASE_URL
if (postgresUrl === undefined) throw new Error("bench/core-overhead needs a PostgreSQL URL or TEST_DATABASE_URL")
const progress = (line: string) => process.stderr.write(`${line}\n`)
const trace = process.env.HX_BENCH_TRACE === "1"
const windowsFile = process.env.HX_BENCH_WINDOWS
const windows: Array<readonly [string, number, number]> = []
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n)
const queries = installQueryCounter()

const operations = [
  "snapshotDisk",
  "snapshotMemory",
  "rollback",
  "deleteSnapshot",
  "backupFull",
  "backupIncremental",
  "deleteBackup",
  "start",
  "forceStop",
] as const
type Measured = (typeof operations)[number]
interface Samples {
  readonly wallMs: Array<number>
  readonly cpuMs: Array<number>
  readonly statements: Array<number>
}

type CoreServices = Layer.Success<ReturnType<typeof coreLayer>> | Store

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return Math.round((sorted[Math.floor(sorted.length / 2)] ?? Number.NaN) * 100) / 100
}

const loadAtStart = loadAverages()
const report = await withScratchDatabase(postgresUrl, async (url) => {
  const fake = await Effect.runPromise(makeFakeDriver({ bootDelayMs: 0, shutdownDelayMs: 0 }))
  const host = {
    hostId: randomUUID(),
    storageDir: "/var/lib/hyperx/disks",
    shutdownTimeoutMs: 2000,
    secretKey: randomBytes(32),
  }
  const runtime = ManagedRuntime.make(Layer.merge(coreLayer({ host, drivers: [fake.driver] }), layerPostgres(url)))
  try {
    const world = await runtime.runPromise(seedWorld(fake.driver.name, host.hostId))
    const owner = world.actors.owner
    const complete = <E>(operation: Effect.Effect<TaskHandle, E, CoreServices>): Promise<Task> =>
      runtime.runPromise(Effect.flatMap(operation, (handle) => handle.done))
    const vm = await runtime.runPromise(seedVm(world))
    const disks = await runtime.runPromise(Store.use((store) => store.disks.list({ vmId: vm.id })))
    const system = disks.find((disk) => disk.role === "system")
    if (system === undefined) throw new Error("the VM has no system disk")
    await complete(power(owner, vm.id, "start"))

    const samples = Object.fromEntries(
      operations.map((name): [Measured, Samples] => [name, { wallMs: [], cpuMs: [], statements: [] }]),
    ) as Record<Measured, Samples>
    let measuring = false
    const measured = async <E>(name: Measured, operation: Effect.Effect<TaskHandle, E, CoreServices>) => {
      if (gapMs > 0) await sleep(gapMs)
      const cpu = process.cpuUsage()
      const from = monotonicUs()
      const started = performance.now()
      const { value: task, statements } = await queries.within(() => complete(operation))
      const wallMs = performance.now() - started
      const used = process.cpuUsage(cpu)
      if (measuring && windowsFile !== undefined) windows.push([name, from, monotonicUs()])
      if (measuring && trace && samples[name].wallMs.length === 0) {
        progress(`${name}: ${statements.map((statement) => `\n  ${statement.text}`).join("")}`)
      }
      if (measuring) {
        samples[name].wallMs.push(wallMs)
        samples[name].cpuMs.push((used.user + used.system) / 1000)
        samples[name].statements.push(statements.length)
      }
      return task
    }
    // One round: every operation once, the VM back where it started (running, no snapshot, no backup).
    const round = async () => {
      const disk = await measured("snapshotDisk", createSnapshot(owner, vm.id, { withMemory: false }))
      await measured("forceStop", power(owner, vm.id, "force-stop"))
      await measured("rollback", rollbackSnapshot(owner, vm.id, (disk.result as { snapshotId: string }).snapshotId))
      await measured("deleteSnapshot", deleteSnapshot(owner, vm.id, (disk.result as { snapshotId: string }).snapshotId))
      await measured("start", power(owner, vm.id, "start"))
      const memory = await measured("snapshotMemory", createSnapshot(owner, vm.id, { withMemory: true }))
      await complete(deleteSnapshot(owner, vm.id, (memory.result as { snapshotId: string }).snapshotId))
      const full = await measured("backupFull", backupDisk(owner, vm.id, system.id))
      await measured("backupIncremental", backupDisk(owner, vm.id, system.id))
      await measured("deleteBackup", deleteBackup(owner, (full.result as { backupId: string }).backupId))
    }
    progress(`warm-up: ${warmUp} rounds`)
    for (let index = 0; index < warmUp; index++) await round()
    measuring = true
    progress(`measuring: ${runs} rounds${gapMs > 0 ? `, ${gapMs} ms idle before each operation` : ""}`)
    for (let index = 0; index < runs; index++) await round()
    return {
      bench: "core-overhead",
      what: "each operation over the fake driver (no delays), records on PostgreSQL, until its task is recorded done",
      runs,
      warmUpRounds: warmUp,
      gapMs,
      machine: machineFacts(loadAtStart),
      operations: Object.fromEntries(
        operations.map((name) => [
          name,
          {
            wallMs: median(samples[name].wallMs),
            cpuMs: median(samples[name].cpuMs),
            statements: median(samples[name].statements),
          },
        ]),
      ),
    }
  } finally {
    await runtime.dispose()
  }
})
if (windowsFile !== undefined) writeFileSync(windowsFile, JSON.stringify(windows))
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)

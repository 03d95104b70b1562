/**
 * bench/snapshots: snapshot, rollback, full and incremental backup of the tiny guest (TCG), three ways on the same
 * guests: through hyperx (the core's operations over the QEMU driver, until the task is recorded done), through the
 * driver alone, and as the bare QMP / qemu-img commands on the same QEMU. Prints JSON only (progress on stderr):
 *   node --import tsx bench/snapshots/run.ts [--runs N] [--warm-up N] [--store embedded|postgres [POSTGRES-URL]]
 * The records live on an embedded PostgreSQL server (as `npm start` keeps them) unless `--store postgres` names a
 * server (the URL argument or TEST_DATABASE_URL; a scratch database is made there and dropped afterwards).
 * Each run does every side, in alternating order, so a host getting busier favours none. Each hyperx run also counts
 * the statements the core sent to the database (`roundTrips`, free of the host's load; `criticalRoundTrips`: those
 * the operation waited for, not sent and answered within one of its driver calls) and the time they added over the
 * driver's (`storeMs`); HX_BENCH_TRACE=1 prints each hyperx run's timeline of driver calls and statements.
 * The warm-up rounds (`--warm-up`, default 5) run every side unmeasured first: an agent runs these code paths (the
 * runner, the store, Kysely, pg) for every operation, so the measured runs are the steady state, and the very first
 * run's core time (cold code) is reported apart as `firstRunCoreMs`.
 * HX_BENCH_WINDOWS=FILE writes the measured hyperx runs' core windows (the operation's time outside its driver calls:
 * operation, start, end in monotonic µs) as JSON, to read a `node --cpu-prof` profile for them alone:
 *   node --import tsx bench/shared/profile-windows.ts PROFILE.cpuprofile FILE
 * Before each backup the guest writes 1 MiB of new data itself (`head -c … /dev/urandom`): written from here
 * through the guest agent (base64, ~3 MB of strings), its garbage was collected inside the next backup's core time
 * (#12). `coreGcMs` (per run), `coreGcMeanMs` and `runsWithCoreGc` report the collections inside the core's time.
 * Measured 2026-12-06 ~23:00 UTC on the shared 2-core host at load 8–14, the old and the new bench side by side,
 * `--runs 10 --warm-up 2 --store postgres`: a 0.6–3.3 ms collection inside the core's time in 4 of 20 backup runs and
 * 0 of 20 snapshot runs before, 1 of 20 backup runs and 5 of 20 snapshot runs after; `coreOverheadMs` 6–20 ms on both
 * (the load's); `roundTrips` 3 / 3 / 3 / 4 / 4 and `criticalRoundTrips` 2 / 2 / 3 / 2 / 2 unchanged.
 */
import { randomBytes } from "node:crypto"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { cpus } from "node:os"
import { join } from "node:path"
import { PerformanceObserver } from "node:perf_hooks"
import { Effect, Exit, Scope } from "effect"
import type { Vm } from "../../core/model/vm.ts"
import { backupDisk, deleteBackup } from "../../core/operations/backups/index.ts"
import { power } from "../../core/operations/power.ts"
import { createSnapshot, deleteSnapshot, rollbackSnapshot } from "../../core/operations/snapshots/index.ts"
import type { DatabaseOptions } from "../../core/store/database.ts"
import { Store } from "../../core/store/ports.ts"
import { makeHostCommands } from "../../plugins/host-commands/host-commands.ts"
import { diskNames } from "../../plugins/qemu/argv/names.ts"
import { makeQemuCore } from "../../plugins/qemu/driver/core-testing.ts"
import { guestShell, waitForBoot } from "../../plugins/qemu/driver/testing.ts"
import { runInGuest } from "../../plugins/qemu/qga/commands/exec.ts"
import { guestFsfreezeFreeze, guestFsfreezeThaw } from "../../plugins/qemu/qga/commands/fsfreeze.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages } from "../shared/load.ts"
import { covered, installQueryCounter } from "../shared/query-counter.ts"
import { withScratchDatabase } from "../shared/scratch-database.ts"
import { makeDriverClock } from "./driver-time.ts"
import { rawBackup, rawDiskSnapshot, rawDropBitmap, rawMemorySnapshot, rawRevert } from "./raw.ts"
import { type Measure, summarise, timed } from "./stats.ts"

const runs = wholeNumberFlag("--runs", 5)
const warmUpRuns = wholeNumberFlag("--warm-up", 5)
const storeArg = process.argv.indexOf("--store")
const storeName = storeArg >= 0 ? process.argv[storeArg + 1] : "embedded"
if (storeName !== "embedded" && storeName !== "postgres") throw new Error("--store takes embedded or postgres")
const postgresUrl =
  process.argv.slice(2).find((arg) => /^postgres(ql)?:\/\//.test(arg)) ?? process.env.TEST_DATABASE_URL
interface StoreChoice {
  readonly name: "embedded" | "postgres"
  readonly database?: DatabaseOptions
}
const progress = (line: string) => process.stderr.write(`${line}\n`)
const trace = process.env.HX_BENCH_TRACE === "1"
const windowsFile = process.env.HX_BENCH_WINDOWS
/** The core's windows of the measured hyperx runs: operation, start and end (monotonic µs, a --cpu-prof's clock). */
const windows: Array<readonly [string, number, number]> = []
const monotonicUsAt = (() => {
  const hrtimeUs = Number(process.hrtime.bigint() / 1000n)
  const nowMs = performance.now()
  return (ms: number) => Math.round(hrtimeUs + (ms - nowMs) * 1000)
})()
let measuring = false
/** Garbage collections (performance.now() intervals), and the measured hyperx runs to read them for at the end. */
const collections: Array<readonly [number, number]> = []
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) collections.push([entry.startTime, entry.startTime + entry.duration])
}).observe({ entryTypes: ["gc"] })
const collected: Array<{
  readonly key: string
  readonly from: number
  readonly to: number
  readonly spans: ReadonlyArray<readonly [number, number]>
}> = []
const queries = installQueryCounter()

const measure = (what: string, frozen = false): Measure => ({
  what,
  hyperxMs: [],
  coreMs: [],
  storeMs: [],
  coreGcMs: [],
  roundTrips: [],
  criticalRoundTrips: [],
  driverMs: [],
  rawMs: [],
  ...(frozen ? { rawFrozenMs: [] } : {}),
})
const measures = {
  snapshotDisk: measure(
    "disk-only snapshot of a running guest: createSnapshot (frozen) / snapshots.create / transaction of blockdev-snapshot-internal-sync",
    true,
  ),
  snapshotMemory: measure("snapshot with memory: createSnapshot / snapshots.create / the snapshot-save job"),
  rollback: measure("stopped VM back to a disk snapshot: rollbackSnapshot / snapshots.revert / qemu-img snapshot -a"),
  backupFull: measure(
    "full backup of a running guest's system disk: backupDisk (frozen) / backups.full / qemu-img create, blockdev-add, transaction of a persistent bitmap and blockdev-backup sync=full, blockdev-del",
    true,
  ),
  backupIncremental: measure(
    "incremental backup after 1 MiB written: backupDisk (frozen) / backups.incremental / qemu-img create -b, blockdev-add, blockdev-backup sync=incremental, blockdev-del",
    true,
  ),
}
type Side = "hyperxMs" | "driverMs" | "rawMs" | "rawFrozenMs"
type Steps = Record<Exclude<Side, "rawFrozenMs">, () => Promise<unknown>> & {
  readonly rawFrozenMs?: () => Promise<unknown>
}

/** One whole bench on one store: the guests, the warm-up, the runs, the report. */
const benchOn = async (store: StoreChoice) => {
  const clock = makeDriverClock()
  const core = await makeQemuCore({
    coreDriver: clock.wrap,
    ...(store.database === undefined ? {} : { database: store.database }),
  })
  const commandsScope = await Effect.runPromise(Scope.make())
  try {
    const commands = await Effect.runPromise(Scope.provide(makeHostCommands, commandsScope))
    const { driver, world } = core
    const owner = world.actors.owner
    const run = core.run
    progress("booting two guests")
    const snapVm = await core.createVm()
    const backupVm = await core.createVm()
    const systemDisk = async (vm: Vm) => {
      const disks = await run(Store.use((store) => store.disks.list({ vmId: vm.id })))
      const disk = disks.find((candidate) => candidate.role === "system")
      if (!disk) throw new Error(`${vm.hostname} has no system disk`)
      return disk
    }
    const snapDisk = await systemDisk(snapVm)
    const backupSource = await systemDisk(backupVm)
    const snapNode = diskNames(snapDisk.id).node
    const backupNode = diskNames(backupSource.id).node
    const sizeBytes = backupSource.sizeGiB * 1024 ** 3
    const scratch = join(core.host.stateDir, "bench-backups")
    mkdirSync(scratch, { recursive: true })
    const raw = <A>(name: string, use: Parameters<typeof driver.withMonitor<A, unknown>>[1]) =>
      run(driver.withMonitor(name, use))
    const tag = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`

    /** The bare commands inside a freeze and thaw through the guest agent (raw QGA on the same channel). */
    const frozen =
      <A>(name: string, work: () => Promise<A>) =>
      async () => {
        await run(driver.withGuestAgent(name, (agent) => guestFsfreezeFreeze(agent)))
        try {
          return await work()
        } finally {
          await run(driver.withGuestAgent(name, (agent) => guestFsfreezeThaw(agent)))
        }
      }

    /**
     * Runs the sides of one measure in the run's order, recording each time. For a measure that freezes, `guest`
     * syncs before each side (not timed): a freeze flushes what the guest wrote since the last one, and otherwise the
     * first side to freeze would pay for all the others.
     */
    const sides = async (key: keyof typeof measures, order: ReadonlyArray<Side>, steps: Steps, guest?: string) => {
      for (const side of order) {
        const step = steps[side]
        if (!step) continue
        if (guest !== undefined)
          await run(driver.withGuestAgent(guest, (agent) => runInGuest(agent, { path: "/bin/sync" })))
        if (side === "hyperxMs") {
          const { value, statements } = await queries.within(() => clock.within(step))
          const { totalMs, driverMs, spans, start } = value
          const asked = statements.map(({ from, to }) => [from, to] as const)
          measures[key].hyperxMs.push(totalMs)
          measures[key].coreMs.push(totalMs - driverMs)
          measures[key].storeMs.push(covered([...spans, ...asked]) - driverMs)
          measures[key].roundTrips.push(statements.length)
          measures[key].criticalRoundTrips.push(
            statements.filter(({ from, to }) => !spans.some(([start, end]) => from >= start && to <= end)).length,
          )
          if (measuring) collected.push({ key, from: start, to: start + totalMs, spans })
          if (measuring && windowsFile !== undefined) {
            let from = start
            for (const [spanFrom, spanTo] of [...spans].sort((a, b) => a[0] - b[0])) {
              if (spanFrom > from) windows.push([key, monotonicUsAt(from), monotonicUsAt(spanFrom)])
              from = Math.max(from, spanTo)
            }
            windows.push([key, monotonicUsAt(from), monotonicUsAt(start + totalMs)])
          }
          if (trace) {
            const at = (ms: number) => (ms - start).toFixed(2).padStart(7)
            const lines = [
              ...spans.map(([from, to]) => ({ from, line: `${at(from)} ${at(to)}  driver` })),
              ...statements.map(({ from, to, text }) => ({ from, line: `${at(from)} ${at(to)}  sql ${text}` })),
            ]
            progress(`${key} ${totalMs.toFixed(2)} ms, core ${(totalMs - driverMs).toFixed(2)} ms`)
            for (const { line } of lines.sort((a, b) => a.from - b.from)) progress(line)
          }
        } else measures[key][side]?.push(await timed(step))
      }
    }

    const snapshotRound = async (order: ReadonlyArray<Side>) => {
      const name = snapVm.hostname
      let coreDisk = ""
      let coreMemory = ""
      const driverDisk = tag("drv-disk")
      const driverMemory = tag("drv-mem")
      const rawDisk = tag("raw-disk")
      const rawMemory = tag("raw-mem")
      const frozenDisk = tag("raw-frozen")
      await sides(
        "snapshotDisk",
        order,
        {
          hyperxMs: async () => {
            const task = await core.complete(createSnapshot(owner, snapVm.id, { withMemory: false }))
            coreDisk = (task.result as { snapshotId: string }).snapshotId
          },
          driverMs: () => run(driver.snapshots.create(name, driverDisk, { withMemory: false })),
          rawMs: () => raw(name, (monitor) => rawDiskSnapshot(monitor, snapNode, rawDisk)),
          rawFrozenMs: frozen(name, () => raw(name, (monitor) => rawDiskSnapshot(monitor, snapNode, frozenDisk))),
        },
        name,
      )
      await sides("snapshotMemory", order, {
        hyperxMs: async () => {
          const task = await core.complete(createSnapshot(owner, snapVm.id, { withMemory: true }))
          coreMemory = (task.result as { snapshotId: string }).snapshotId
        },
        driverMs: () => run(driver.snapshots.create(name, driverMemory, { withMemory: true })),
        rawMs: () => raw(name, (monitor) => rawMemorySnapshot(monitor, snapNode, rawMemory)),
      })
      await core.complete(power(owner, snapVm.id, "force-stop"))
      await sides("rollback", order, {
        hyperxMs: () => core.complete(rollbackSnapshot(owner, snapVm.id, coreDisk)),
        driverMs: () => run(driver.snapshots.revert(name, driverDisk)),
        rawMs: () => Effect.runPromise(rawRevert(commands, snapDisk.path, rawDisk)),
      })
      for (const id of [coreDisk, coreMemory]) await core.complete(deleteSnapshot(owner, snapVm.id, id))
      for (const snapshot of [driverDisk, driverMemory, rawDisk, rawMemory, frozenDisk])
        await run(driver.snapshots.remove(name, snapshot))
      await core.complete(power(owner, snapVm.id, "start"))
      await waitForBoot(driver, name)
      // The guest agent's channel is made on first use (~50–130 ms): made now, so that no measured side pays for it.
      await run(driver.guestAgent.ping(name))
    }

    const backupRound = async (order: ReadonlyArray<Side>) => {
      const name = backupVm.hostname
      // 1 MiB of new data, made in the guest, so that no garbage of the bench's is collected in a measured run.
      const change = () =>
        run(guestShell(driver, name, 'head -c 1048576 /dev/urandom > "$1" && sync', "/system/bench.bin"))
      const chain = tag("drv")
      const bitmap = tag("raw")
      const frozenBitmap = tag("raw-frozen")
      const file = (label: string) => join(scratch, `${label}.qcow2`)
      /** The bare backup of one raw chain (named after its bitmap): the full one, or the increment on it. */
      const rawCopy = (chainBitmap: string, kind: "full" | "inc") =>
        raw(name, (monitor) =>
          rawBackup(commands, monitor, {
            node: backupNode,
            target: file(`${chainBitmap}-${kind}`),
            sizeBytes,
            bitmap: chainBitmap,
            ...(kind === "inc" ? { previous: file(`${chainBitmap}-full`) } : {}),
          }),
        )
      let coreFull = ""
      await change()
      await sides(
        "backupFull",
        order,
        {
          hyperxMs: async () => {
            const task = await core.complete(backupDisk(owner, backupVm.id, backupSource.id))
            coreFull = (task.result as { backupId: string }).backupId
          },
          driverMs: () => run(driver.backups.full(name, backupSource.id, file(`${chain}-full`), { chain })),
          rawMs: () => rawCopy(bitmap, "full"),
          rawFrozenMs: frozen(name, () => rawCopy(frozenBitmap, "full")),
        },
        name,
      )
      await change()
      await sides(
        "backupIncremental",
        order,
        {
          hyperxMs: () => core.complete(backupDisk(owner, backupVm.id, backupSource.id)),
          driverMs: () =>
            run(
              driver.backups.incremental(name, backupSource.id, file(`${chain}-inc`), {
                chain,
                previous: file(`${chain}-full`),
              }),
            ),
          rawMs: () => rawCopy(bitmap, "inc"),
          rawFrozenMs: frozen(name, () => rawCopy(frozenBitmap, "inc")),
        },
        name,
      )
      // The next round starts from no backup again: deleting the full one deletes its increment and drops the chain.
      await core.complete(deleteBackup(owner, coreFull))
      await run(driver.backups.dropChain(name, backupSource.id, chain))
      for (const dropped of [bitmap, frozenBitmap])
        await raw(name, (monitor) => rawDropBitmap(monitor, backupNode, dropped))
      rmSync(scratch, { recursive: true, force: true })
      mkdirSync(scratch, { recursive: true })
    }

    const orders: ReadonlyArray<ReadonlyArray<Side>> = [
      ["rawMs", "rawFrozenMs", "driverMs", "hyperxMs"],
      ["hyperxMs", "driverMs", "rawFrozenMs", "rawMs"],
    ]
    for (let index = 0; index < warmUpRuns; index++) {
      progress(`warm-up ${index + 1}/${warmUpRuns}`)
      await snapshotRound(orders[index % 2] ?? [])
      await backupRound(orders[index % 2] ?? [])
    }
    // The first time each operation ran (cold code, as an agent's first operation after its start), kept apart.
    const firstRunCoreMs = Object.fromEntries(
      Object.entries(measures).map(([key, entry]) => [key, Math.round((entry.coreMs[0] ?? Number.NaN) * 10) / 10]),
    )
    for (const entry of Object.values(measures))
      for (const side of [
        "hyperxMs",
        "coreMs",
        "storeMs",
        "roundTrips",
        "criticalRoundTrips",
        "driverMs",
        "rawMs",
        "rawFrozenMs",
      ] as const)
        entry[side]?.splice(0)
    const loadBefore = loadAverages()
    measuring = true
    for (let index = 0; index < runs; index++) {
      const order = orders[index % 2] ?? []
      await snapshotRound(order)
      await backupRound(order)
      progress(`run ${index + 1}/${runs} done`)
      // After each run, so that a run cut short (a guest agent that stops answering) still leaves its windows.
      if (windowsFile !== undefined) writeFileSync(windowsFile, JSON.stringify(windows))
    }

    // The collections' entries come after the runs they fell in: each run's share of its core time, read now.
    for (const { key, from, to, spans } of collected) {
      const within = collections
        .filter(([start, end]) => end > from && start < to)
        .map(([start, end]) => [Math.max(start, from), Math.min(end, to)] as const)
      measures[key as keyof typeof measures].coreGcMs.push(covered([...spans, ...within]) - covered(spans))
    }
    const report = {
      bench: "snapshots",
      runs,
      warmUpRuns,
      store: store.name,
      host: {
        cpus: cpus().length,
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadAverages(),
        accel: "tcg",
        guestMemoryMiB: snapVm.memoryMiB,
        node: process.version,
      },
      measures: Object.fromEntries(Object.entries(measures).map(([key, entry]) => [key, summarise(entry)])),
      firstRunCoreMs,
    }
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
  } finally {
    await Effect.runPromise(Scope.close(commandsScope, Exit.void))
    await core.dispose()
  }
}

if (storeName === "postgres") {
  if (postgresUrl === undefined)
    throw new Error("--store postgres needs a server: a postgres:// argument or TEST_DATABASE_URL")
  await withScratchDatabase(postgresUrl, (url) => benchOn({ name: "postgres", database: { dialect: "postgres", url } }))
} else await benchOn({ name: "embedded" })

/**
 * bench/qemu-lifecycle: the QEMU driver against the same QEMU driven by hand (the same command line, raw QMP), on the
 * tiny guest under TCG. Prints JSON only on stdout (progress goes to stderr):
 *   node --import tsx bench/qemu-lifecycle/run.ts [--runs N]
 * Each run does both sides, in alternating order, so a host getting busier favours neither.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync } from "node:fs"
import { cpus } from "node:os"
import {
  defineGuest,
  guestSpec,
  makeTestHost,
  openDriver,
  type ScopedDriver,
} from "../../plugins/qemu/driver/testing.ts"
import { GUEST_BOOT_LINE } from "../../plugins/qemu/guest/recipe.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages } from "../shared/load.ts"
import { awaitSerial, cleanRunDir, qemuImgSnapshot, qmpOf, runJob, spawnByHand } from "./raw.ts"
import { type Measure, summarise, timed } from "./stats.ts"

const runs = wholeNumberFlag("--runs", 5)
const progress = (line: string) => process.stderr.write(`${line}\n`)

const measures: Record<string, Measure> = {
  startToBootLine: {
    what: "from the start call (driver.start / spawning the identical argv) until the guest's boot line is in serial.log",
    hyperxMs: [],
    rawMs: [],
  },
  gracefulStop: {
    what: "graceful stop of a booted guest: driver.shutdown(force false) / system_powerdown, until QEMU has exited",
    hyperxMs: [],
    rawMs: [],
  },
  snapshotWithMemory: {
    what: "internal snapshot with memory of the running guest: snapshots.create / the snapshot-save job",
    hyperxMs: [],
    rawMs: [],
  },
  revertAndResume: {
    what: "stopped VM back to running the snapshot's memory: snapshots.revert + start / qemu-img snapshot -a, spawn -S, snapshot-load job, cont",
    hyperxMs: [],
    rawMs: [],
  },
}
const sample = (measure: string, side: "hyperxMs" | "rawMs", ms: number) => measures[measure]?.[side].push(ms)

const host = await makeTestHost()
const name = "bench"
let d: ScopedDriver | undefined
try {
  d = await openDriver(host)
  const driver = d.driver
  const run = d.run
  const spec = guestSpec(host, name)
  await run(defineGuest(driver, host, spec))
  const { binary, args } = await run(driver.commandLine(name))
  const runDir = driver.runDirOf(name)
  const disk = spec.disks[0]?.path ?? ""
  const nodes = { vmstate: "drive-sys", devices: ["drive-sys"] }
  mkdirSync(runDir, { recursive: true })

  const byHand = async (tag: string) => {
    cleanRunDir(runDir)
    const started = performance.now()
    const qemu = spawnByHand(binary, args)
    await awaitSerial(runDir, GUEST_BOOT_LINE)
    sample("startToBootLine", "rawMs", performance.now() - started)
    const qmp = await qmpOf(runDir)
    sample("snapshotWithMemory", "rawMs", await timed(() => runJob(qmp, "snapshot-save", { tag, ...nodes })))
    sample(
      "gracefulStop",
      "rawMs",
      await timed(async () => {
        await qmp.command("system_powerdown")
        await qemu.exited
      }),
    )
    qmp.close()
    cleanRunDir(runDir)
    let resumed: ReturnType<typeof spawnByHand> | undefined
    const revert = await timed(async () => {
      qemuImgSnapshot("-a", tag, disk)
      resumed = spawnByHand(binary, [...args, "-S"])
      const again = await qmpOf(runDir)
      await runJob(again, "snapshot-load", { tag, ...nodes })
      await again.command("cont")
      again.close()
    })
    sample("revertAndResume", "rawMs", revert)
    if (resumed) {
      process.kill(resumed.pid, "SIGKILL")
      await resumed.exited
    }
    qemuImgSnapshot("-d", tag, disk)
  }

  const withDriver = async (tag: string) => {
    cleanRunDir(runDir)
    const started = performance.now()
    await Promise.all([run(driver.start(name)), awaitSerial(runDir, GUEST_BOOT_LINE)])
    sample("startToBootLine", "hyperxMs", performance.now() - started)
    sample(
      "snapshotWithMemory",
      "hyperxMs",
      await timed(() => run(driver.snapshots.create(name, tag, { withMemory: true }))),
    )
    sample(
      "gracefulStop",
      "hyperxMs",
      await timed(() => run(driver.shutdown(name, { force: false, timeoutMs: 60_000 }))),
    )
    const revert = await timed(async () => {
      await run(driver.snapshots.revert(name, tag))
      await run(driver.start(name))
    })
    sample("revertAndResume", "hyperxMs", revert)
    await run(driver.shutdown(name, { force: true, timeoutMs: 0 }))
    await run(driver.snapshots.remove(name, tag))
  }

  // One cycle of each side first, not counted: the first boot pays for cold caches on both sides.
  progress("warm-up")
  await byHand("warm-up-raw")
  await withDriver("warm-up-hx")
  for (const measure of Object.values(measures)) {
    measure.hyperxMs.length = 0
    measure.rawMs.length = 0
  }
  const loadBefore = loadAverages()
  for (let index = 0; index < runs; index++) {
    const sides = index % 2 === 0 ? [byHand, withDriver] : [withDriver, byHand]
    for (const side of sides) await side(`run-${index}-${side === byHand ? "raw" : "hx"}`)
    progress(`run ${index + 1}/${runs} done`)
  }

  const report = {
    bench: "qemu-lifecycle",
    runs,
    warmUpRuns: 1,
    host: {
      cpus: cpus().length,
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadAverages(),
      qemu: execFileSync(binary, ["--version"], { encoding: "utf8" }).split("\n")[0],
      accel: args[args.indexOf("-accel") + 1] ?? "unknown",
      guestMemoryMiB: spec.memoryMiB,
      node: process.version,
    },
    measures: Object.fromEntries(Object.entries(measures).map(([key, measure]) => [key, summarise(measure)])),
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
} finally {
  await d?.close()
  host.cleanup()
}

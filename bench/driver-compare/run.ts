/**
 * bench/driver-compare: the same tiny guest (same kernel, initrd, base image, 128 MiB, TCG with a 16 MiB translation
 * cache) through the QEMU driver and the libvirt driver in one run. Prints JSON only on stdout (progress on stderr):
 *   node --import tsx bench/driver-compare/run.ts [--runs N]
 * Each run does both drivers, in alternating order, so a host getting busier favours neither. Needs QEMU, and
 * libvirtd answering on qemu:///system.
 */
import { randomBytes } from "node:crypto"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { cpus } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { Effect, Exit, Scope } from "effect"
import type { Driver } from "../../core/driver/driver.ts"
import { makeLibvirtDriver } from "../../plugins/libvirt/driver/driver.ts"
import { cleanUp, defineTestVm, libvirtUnavailable, prepareGuest, run } from "../../plugins/libvirt/testing/setup.ts"
import { makeQemuDriver } from "../../plugins/qemu/driver/driver.ts"
import { defaultRunRoot } from "../../plugins/qemu/driver/options.ts"
import { killAll } from "../../plugins/qemu/driver/testing.ts"
import { GUEST_BOOT_LINE, GUEST_HEARTBEAT } from "../../plugins/qemu/guest/recipe.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages } from "../shared/load.ts"
import { type DriverKey, type MeasureName, makeMeasures, measureNames, summarise } from "./measures.ts"

const runs = wholeNumberFlag("--runs", 5)
const progress = (line: string) => process.stderr.write(`${line}\n`)

const unavailable = libvirtUnavailable()
if (unavailable !== false) {
  process.stdout.write(`${JSON.stringify({ bench: "driver-compare", error: unavailable }, null, 2)}\n`)
  process.exit(1)
}

interface Side {
  readonly key: DriverKey
  readonly driver: Driver
  readonly name: string
  readonly serialLog: string
  readonly appendsLog: boolean
}

const text = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : "")

/**
 * Where new serial output will start. virtlogd appends to the libvirt driver's log; the QEMU driver starts a new log
 * file at every start (an inode may be reused, so it is not told apart by inode): its old log is removed up front.
 */
const logMark = (side: Side) => {
  if (side.appendsLog) return text(side.serialLog).length
  rmSync(side.serialLog, { force: true })
  return 0
}

/** Waits until `pattern` shows in the log after offset `from`. Polls every 5 ms, the same for both drivers. */
const awaitLog = async (path: string, pattern: RegExp | string, from: number, timeoutMs = 180_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const now = text(path)
    const fresh = now.slice(from)
    if (typeof pattern === "string" ? fresh.includes(pattern) : pattern.test(fresh)) return
    if (Date.now() > deadline) {
      throw new Error(`${path} never showed ${pattern}; its tail: ${JSON.stringify(now.slice(-400))}`)
    }
    await sleep(5)
  }
}

const timed = async (step: () => Promise<unknown>) => {
  const started = performance.now()
  await step()
  return performance.now() - started
}

/** The guest agent answers once the guest's services run (acpid too): then a graceful stop is fair to time. */
const awaitAgent = async (side: Side) => {
  const agent = side.driver.guestAgent
  if (agent === undefined) throw new Error(`${side.key} has no guest agent`)
  for (let tries = 0; tries < 600; tries++) {
    if (
      await run(agent.ping(side.name)).then(
        () => true,
        () => false,
      )
    )
      return
    await sleep(200)
  }
  throw new Error(`${side.name}: the guest agent never answered`)
}

const measures = makeMeasures()

const cycle = async (side: Side, tag: string, record: boolean) => {
  const { driver, name, serialLog } = side
  const snapshots = driver.snapshots
  if (snapshots === undefined) throw new Error(`${side.key} has no snapshots`)
  const sample = (measure: MeasureName, ms: number) => {
    if (record) measures[measure].samples[side.key].push(ms)
  }
  const bootMark = logMark(side)
  progress(`${side.key} ${tag}: start`)
  sample(
    "startToBootLine",
    await timed(() => Promise.all([run(driver.start(name)), awaitLog(serialLog, GUEST_BOOT_LINE, bootMark)])),
  )
  await awaitAgent(side)
  sample("snapshotWithMemory", await timed(() => run(snapshots.create(name, tag, { withMemory: true }))))
  sample("gracefulStop", await timed(() => run(driver.shutdown(name, { force: false, timeoutMs: 60_000 }))))
  const revert = await timed(() => run(snapshots.revert(name, tag)))
  sample("revert", revert)
  const resumeMark = logMark(side)
  progress(`${side.key} ${tag}: resume`)
  const resume = await timed(() =>
    Promise.all([run(driver.start(name)), awaitLog(serialLog, GUEST_HEARTBEAT, resumeMark)]),
  )
  sample("revertAndResume", revert + resume)
  sample("forceStop", await timed(() => run(driver.shutdown(name, { force: true, timeoutMs: 0 }))))
  await run(snapshots.remove(name, tag))
}

const { dir, guest } = await prepareGuest("hx-bdc-")
const scope = await Effect.runPromise(Scope.make())
const qemuState = join(dir, "qemu")
const suffix = randomBytes(2).toString("hex")
const sides: Array<Side> = []
try {
  const inScope = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Scope.provide(scope)(effect))
  const qemu = await inScope(makeQemuDriver({ stateDir: qemuState, accel: "tcg", tcgTbSizeMiB: 16 }))
  const libvirt = await inScope(makeLibvirtDriver({ stateDir: join(dir, "lv"), domainType: "qemu", tcgTbCacheMiB: 16 }))
  for (const [key, driver, serialLogOf] of [
    ["qemu", qemu, (name: string) => join(qemu.runDirOf(name), "serial.log")],
    ["libvirt", libvirt, libvirt.serialLogOf],
  ] as const) {
    const spec = await defineTestVm(driver, dir, guest, `hxbench-${key}-${suffix}`)
    sides.push({ key, driver, name: spec.name, serialLog: serialLogOf(spec.name), appendsLog: key === "libvirt" })
  }

  // one cycle of each first, not counted: the first boot pays for cold caches
  progress("warm-up")
  for (const side of sides) await cycle(side, "warm-up", false)
  const loadBefore = loadAverages()
  for (let index = 0; index < runs; index++) {
    const order = index % 2 === 0 ? sides : [...sides].reverse()
    for (const side of order) await cycle(side, `run-${index}`, true)
    progress(`run ${index + 1}/${runs} done`)
  }

  const report = {
    bench: "driver-compare",
    runs,
    warmUpRuns: 1,
    host: {
      cpus: cpus().length,
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadAverages(),
      qemuDriver: qemu.version,
      libvirtDriver: libvirt.version,
      accel: "tcg",
      guest: guest.manifest.version,
      guestMemoryMiB: 128,
      node: process.version,
    },
    measures: Object.fromEntries(measureNames.map((name) => [name, summarise(measures[name])])),
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
} finally {
  for (const side of sides) {
    await run(side.driver.shutdown(side.name, { force: true, timeoutMs: 0 })).catch(() => undefined)
    await run(side.driver.undefine(side.name)).catch(() => undefined)
  }
  await Effect.runPromise(Scope.close(scope, Exit.void))
  killAll(defaultRunRoot(qemuState))
  await cleanUp(undefined, "", dir)
}

/**
 * bench/migration: live migration of a 256 MiB tiny guest (TCG) between two "hosts" on this machine (two QEMU driver
 * instances), idle and busy (a memory writer), shared and local storage, moved back and forth. Per move: the driver's
 * downtime figure (QEMU's own, or under pause-first, which TCG uses, the time from `stop` to completion), the gap in the guest's serial output as the host sees it (a line every 5 ms from the guest; the
 * last line the source wrote to the first the target wrote), the driver's `send` (disks and memory) and its whole
 * move (volumes, prepare, send, proof, release). Prints JSON only (progress on stderr), medians and the load average:
 *   node --import tsx bench/migration/run.ts [--runs N] [--mode converge|precopy|pause-first]
 * A move that fails (the target's proof refused the guest) is counted in `failed` and the guest runs on at the source.
 * Then the same moves by hand with bare QMP commands (raw.ts) on a second guest of the same spec and command line,
 * booted once the driver's guest is gone (never two guests at once on the 2-core host): `raw` per case, and `ratio`,
 * the driver's median over the raw median (send: the migration proper; move: everything, the driver's proof of life
 * and its bookkeeping included). The target is move ≤ 1.1× raw.
 */
import { statSync } from "node:fs"
import { join } from "node:path"
import type { MigrationMode, MigrationResult } from "../../core/driver/driver.ts"
import { collectProgress, type MovePhases, move } from "../../plugins/qemu/driver/migration-testing.ts"
import {
  defineGuest,
  guestShell,
  guestSpec,
  makeTestHost,
  openDriver,
  type ScopedDriver,
  serialLog,
  type TestHost,
  waitUntil,
} from "../../plugins/qemu/driver/testing.ts"
import { connectAgent, guestShell as rawShell } from "../../plugins/qemu/guest/testing.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages } from "../shared/load.ts"
import { agentAnswerMs, bootRaw, killRaw, type RawGuest, type RawHost, rawMove } from "./raw.ts"

const runs = wholeNumberFlag("--runs", 3)
const modeAt = process.argv.indexOf("--mode")
const mode = (modeAt >= 0 ? process.argv[modeAt + 1] : "converge") as MigrationMode
if (!["converge", "precopy", "pause-first"].includes(mode))
  throw new Error("--mode takes converge, precopy or pause-first")
const progress = (line: string) => process.stderr.write(`${line}\n`)
const median = (values: ReadonlyArray<number>) => {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

const FAST_SERIAL = "( while :; do echo t; usleep 5000; done ) < /dev/null > /dev/ttyS0 2>&1 &"
const BUSY = "( while :; do dd if=/dev/urandom of=/run/busy bs=1M count=96 2> /dev/null; done ) > /dev/null 2>&1 &"

/** Host times at which each serial log last grew, sampled every millisecond or so while a move runs. */
const watchSerial = (source: string, target: string) => {
  let sourceSize = sizeOf(source)
  let targetSize = sizeOf(target)
  let sourceLast = Date.now()
  let targetFirst: number | undefined
  const timer = setInterval(() => {
    const now = Date.now()
    // Only growth counts: the source's log vanishes when its run folder is removed at release.
    const s = sizeOf(source)
    if (s > sourceSize) sourceLast = now
    sourceSize = s
    const t = sizeOf(target)
    if (t > targetSize && targetFirst === undefined) targetFirst = now
    targetSize = t
  }, 1)
  return {
    seen: () => targetFirst !== undefined,
    stop: () => {
      clearInterval(timer)
      return targetFirst === undefined ? null : targetFirst - sourceLast
    },
  }
}
const sizeOf = (path: string) => {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

interface Sample {
  readonly downtimeMs: number
  readonly serialGapMs: number | null
  readonly sendMs: number
  readonly moveMs: number
  readonly path: MigrationResult["path"]
  /** The driver's move step by step (volumes, prepare, send, finish with the proof, release). */
  readonly phasesMs?: MovePhases
  /** Raw moves: the guest agent's first answer after `cont` (outside moveMs), what a proof through it waits at least. */
  readonly agentAnswerMs?: number | null
}

const ratio = (driver: number | null | undefined, bare: number | null | undefined) =>
  driver == null || bare == null || bare === 0 ? null : Math.round((driver / bare) * 100) / 100

/** The same cases moved by hand (raw.ts): a second guest of the same spec, booted once, moved back and forth. */
const measureRaw = async (
  hostA: RawHost,
  hostB: RawHost,
  pauseFirst: (key: string) => boolean,
  record: (key: string, sample: Sample) => void,
) => {
  const name = "bench-raw"
  const spec = guestSpec(hostA.host, name, { memoryMiB: 256 })
  await hostA.d.run(defineGuest(hostA.d.driver, hostA.host, spec))
  let guest: RawGuest = await bootRaw(hostA, spec, [FAST_SERIAL])
  let here = { at: hostA, other: hostB }
  try {
    for (const load of ["idle", "busy"] as const) {
      if (load === "busy") {
        const agent = await connectAgent(join(guest.runDir, "qga.sock"), 60_000)
        await rawShell(agent, BUSY)
        agent.close()
        await new Promise((resolve) => setTimeout(resolve, 2_000))
      }
      for (const storage of ["shared", "local"] as const) {
        const key = `${load}-${storage}`
        for (let run = 0; run < runs; run++) {
          const watch = watchSerial(
            join(guest.runDir, "serial.log"),
            join(here.other.d.driver.runDirOf(name), "serial.log"),
          )
          const moved = await rawMove(guest, here.other, storage, pauseFirst(key))
          // The move ends at `cont`: the gap closes at the guest's first line at the target (at most 10 s on).
          const until = Date.now() + 10_000
          while (!watch.seen() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5))
          const serialGapMs = watch.stop()
          const agentMs = await agentAnswerMs(moved.guest)
          guest = moved.guest
          here = { at: here.other, other: here.at }
          const sample: Sample = {
            downtimeMs: moved.downtimeMs,
            serialGapMs,
            sendMs: moved.sendMs,
            moveMs: moved.moveMs,
            path: pauseFirst(key) ? "pause-first" : "precopy",
            agentAnswerMs: agentMs,
          }
          record(key, sample)
          progress(`raw ${key} #${run + 1}: ${JSON.stringify(sample)}`)
        }
      }
    }
  } finally {
    killRaw(guest)
  }
}

const main = async () => {
  const hostA = await makeTestHost()
  const hostB = await makeTestHost()
  const a = await openDriver(hostA)
  const b = await openDriver(hostB)
  const name = "bench-mig"
  let spec = guestSpec(hostA, name, { memoryMiB: 256 })
  let here: { d: ScopedDriver; other: ScopedDriver; otherHost: TestHost } = { d: a, other: b, otherHost: hostB }
  const results: Record<string, Array<Sample>> = {}
  /** Moves that failed (the proof refused the target, or QEMU failed): the guest then ran on at the source. */
  const failures: Record<string, Array<string>> = {}
  const raw: Record<string, Array<Sample>> = {}
  try {
    await a.run(defineGuest(a.driver, hostA, spec))
    await a.run(a.driver.start(name))
    await waitUntil("boot", () => serialLog(a.driver, name).includes("hyperx-guest: booted"))
    await a.run(guestShell(a.driver, name, FAST_SERIAL))
    progress(`fast serial: ${(await a.run(guestShell(a.driver, name, "which usleep; ps | grep -c usleep"))).trim()}`)
    for (const load of ["idle", "busy"] as const) {
      if (load === "busy") {
        await here.d.run(guestShell(here.d.driver, name, BUSY))
        await new Promise((resolve) => setTimeout(resolve, 2_000))
      }
      for (const storage of ["shared", "local"] as const) {
        const key = `${load}-${storage}`
        results[key] = []
        failures[key] = []
        for (let run = 0; run < runs; run++) {
          const { d, other, otherHost } = here
          await collectProgress(d)
          const watch = watchSerial(
            join(d.driver.runDirOf(name), "serial.log"),
            join(other.driver.runDirOf(name), "serial.log"),
          )
          const started = Date.now()
          const outcome = await move(d, other, otherHost, spec, { storage, mode }).then(
            (moved) => ({ moved }),
            (error: unknown) => ({ error: String(error) }),
          )
          if ("error" in outcome) {
            watch.stop()
            failures[key]?.push(outcome.error)
            progress(`${key} #${run + 1}: FAILED, the guest runs on at the source: ${outcome.error}`)
            continue
          }
          const moved = outcome.moved
          const moveMs = Date.now() - started
          const serialGapMs = watch.stop()
          spec = moved.spec
          here = { d: other, other: d, otherHost: otherHost === hostB ? hostA : hostB }
          const sample: Sample = {
            downtimeMs: moved.result.downtimeMs,
            serialGapMs,
            sendMs: moved.result.totalMs,
            moveMs,
            path: moved.result.path,
            phasesMs: moved.phasesMs,
          }
          results[key]?.push(sample)
          progress(`${key} #${run + 1}: ${JSON.stringify(sample)}`)
        }
      }
    }
    await a.run(a.driver.shutdown(name, { force: true, timeoutMs: 0 })).catch(() => undefined)
    await b.run(b.driver.shutdown(name, { force: true, timeoutMs: 0 })).catch(() => undefined)
    for (const key of Object.keys(results)) raw[key] = []
    await measureRaw(
      { d: a, host: hostA },
      { d: b, host: hostB },
      (key) => results[key]?.[0]?.path !== "precopy",
      (key, sample) => raw[key]?.push(sample),
    )
  } finally {
    await a.close()
    await b.close()
    hostA.cleanup()
    hostB.cleanup()
  }
  const summary = Object.fromEntries(
    Object.entries(results).map(([key, samples]) => [
      key,
      {
        runs: samples.length + (failures[key]?.length ?? 0),
        failed: failures[key] ?? [],
        path: samples[0]?.path,
        medianDowntimeMs: median(samples.map((s) => s.downtimeMs)),
        medianSerialGapMs: median(samples.flatMap((s) => (s.serialGapMs === null ? [] : [s.serialGapMs]))),
        medianSendMs: median(samples.map((s) => s.sendMs)),
        medianMoveMs: median(samples.map((s) => s.moveMs)),
        samples,
        raw: {
          medianDowntimeMs: median((raw[key] ?? []).map((s) => s.downtimeMs)),
          medianSerialGapMs: median((raw[key] ?? []).flatMap((s) => (s.serialGapMs === null ? [] : [s.serialGapMs]))),
          medianSendMs: median((raw[key] ?? []).map((s) => s.sendMs)),
          medianMoveMs: median((raw[key] ?? []).map((s) => s.moveMs)),
          samples: raw[key] ?? [],
        },
        ratio: {
          send: ratio(median(samples.map((s) => s.sendMs)), median((raw[key] ?? []).map((s) => s.sendMs))),
          move: ratio(median(samples.map((s) => s.moveMs)), median((raw[key] ?? []).map((s) => s.moveMs))),
        },
      },
    ]),
  )
  process.stdout.write(
    `${JSON.stringify({ bench: "migration", guestMiB: 256, accel: "tcg", mode, loadAverage: loadAverages(), results: summary }, null, 2)}\n`,
  )
}

await main()

/**
 * bench/migration/api.ts (R9, #17): live migration through the API between two agents on one PostgreSQL, real QEMU,
 * the tiny guest (128 MiB, TCG), moved back and forth (migration-scenario.ts: from node-a by shared storage, from
 * node-b by local storage). Per move: the wall time from POST /vms/{id}/migrate to the task's end as a client sees it
 * (polling the task every 200 ms), and the driver's own figures from the task's result (send's total, the pause);
 * the difference is what the core, the agents' channel and the proof add. Prints JSON only (progress on stderr):
 *   node --import tsx bench/migration/api.ts [--runs N] [postgresql://…]   (or TEST_DATABASE_URL)
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { Effect, Exit, Scope } from "effect"
import { startPair } from "../../agent/cluster/migration-scenario.ts"
import { scratchDatabase } from "../../core/store/testing.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages, machineFacts } from "../shared/load.ts"

const adminUrl = process.argv.slice(2).find((arg) => /^postgres(ql)?:\/\//.test(arg)) ?? process.env.TEST_DATABASE_URL
if (adminUrl === undefined)
  throw new Error("bench/migration/api.ts needs PostgreSQL: pass a URL or set TEST_DATABASE_URL")
const runs = wholeNumberFlag("--runs", 3)
const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length === 0
    ? null
    : sorted.length % 2 === 1
      ? sorted[mid]
      : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

const loadAtStart = loadAverages()
const folder = mkdtempSync(join(tmpdir(), "hx-bench-mig-"))
const scope = Effect.runSync(Scope.make())
const pair = await (async () => {
  const db = await Effect.runPromise(Scope.provide(scratchDatabase(adminUrl), scope))
  return startPair(folder, db.url)
})()
try {
  const moves: Array<{ storage: string; path: string; taskMs: number; sendMs: number; downtimeMs: number }> = []
  for (let i = 0; i < runs * 2; i++) {
    const target = i % 2 === 0 ? pair.b : pair.a
    const t0 = performance.now()
    const done = await pair.task(await pair.migrate(target, { hostId: target.id }))
    const taskMs = Math.round(performance.now() - t0)
    if (done.state !== "succeeded") throw new Error(`move ${i} failed: ${done.error.message}`)
    const r = done.result as { storage: string; path: string; totalMs: number; downtimeMs: number }
    moves.push({ storage: r.storage, path: r.path, taskMs, sendMs: r.totalMs, downtimeMs: r.downtimeMs })
    process.stderr.write(`move ${i + 1}/${runs * 2}: ${JSON.stringify(moves.at(-1))}\n`)
  }
  const summary = (storage: string) => {
    const of = moves.filter((m) => m.storage === storage)
    return {
      moves: of.length,
      taskMsMedian: median(of.map((m) => m.taskMs)),
      sendMsMedian: median(of.map((m) => m.sendMs)),
      downtimeMsMedian: median(of.map((m) => m.downtimeMs)),
      overheadMsMedian: median(of.map((m) => m.taskMs - m.sendMs)),
    }
  }
  console.log(
    JSON.stringify(
      {
        bench: "migration-api",
        guestMiB: 128,
        shared: summary("shared"),
        local: summary("local"),
        moves,
        machine: machineFacts(loadAtStart),
      },
      null,
      2,
    ),
  )
} finally {
  pair.stop()
  await Effect.runPromise(Scope.close(scope, Exit.void))
  rmSync(folder, { recursive: true, force: true })
}

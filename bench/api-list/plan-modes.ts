/**
 * bench/api-list/plan-modes.ts: what one list question costs the PostgreSQL server per run, by how its statement is
 * sent (#23): unnamed (parsed and planned for its values each run, as the list's unsearched questions are), prepared
 * with PostgreSQL's own choice of plan (plan_cache_mode auto: planned for the values until it settles on one plan),
 * and prepared with its generic plan (force_generic_plan, as the agent runs its prepared searches, core/store/
 * prepared.ts). CPU of the server's backend from /proc/PID/schedstat (the server must run on this host), less moved by
 * other work on the machine than times; two rounds of each. On a database seeded to keep (seed-keep.ts):
 *   node --import tsx bench/api-list/plan-modes.ts POSTGRES-URL WORLD.json "search=10.20.3.7&limit=50" [--runs 400]
 * FLAVOR0…3 and HOST0…7 in the question stand for the world's ids. Prints a line per mode and round.
 */
import { readFileSync } from "node:fs"
import { performance } from "node:perf_hooks"
import { Effect, Schema } from "effect"
import pg from "pg"
import { columnFields, vmColumnNames } from "../../agent/vms/columns.ts"
import { toVmQuery, VmListQuery } from "../../agent/vms/list-query.ts"
import { openDatabase } from "../../core/store/database.ts"
import { preparedWhileRoomMark } from "../../core/store/prepared.ts"
import { serverSettings } from "../../core/store/server/settings.ts"
import { sheetQuery } from "../../core/store/vm-sheet.ts"
import { wholeNumberFlag } from "../shared/flags.ts"

const [url, worldFile, question] = process.argv.slice(2)
if (url === undefined || worldFile === undefined || question === undefined) {
  throw new Error("usage: plan-modes.ts POSTGRES-URL WORLD.json QUESTION [--runs N]")
}
const runs = wholeNumberFlag("--runs", 400)
const world = JSON.parse(readFileSync(worldFile, "utf8"))
const actor = {
  userId: world.superadmin.id,
  role: "superadmin" as const,
  companyId: world.superadmin.companyId,
  departmentId: world.superadmin.departmentId,
}
const query = question
  .replace(/FLAVOR(\d)/g, (_, at) => world.flavorIds[Number(at)])
  .replace(/HOST(\d)/g, (_, at) => world.hostIds[Number(at)])
/** CPU milliseconds the process has run (schedstat's first field is nanoseconds). */
const ranMs = (pid: number) => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e6

await Effect.runPromise(
  Effect.scoped(
    Effect.gen(function* () {
      const { db } = yield* openDatabase({ dialect: "postgres", url })
      yield* Effect.promise(async () => {
        const decoded = Schema.decodeUnknownSync(VmListQuery)(Object.fromEntries(new URLSearchParams(query)))
        const q = toVmQuery(actor, { ...decoded, limit: decoded.limit ?? 50, offset: decoded.offset ?? 0 }, false)
        const compiled = sheetQuery(db, q, columnFields(vmColumnNames))
        const text = compiled.sql.replace(preparedWhileRoomMark, "")
        const values = [...compiled.parameters]
        // The agent's session settings (core/store/database.ts), on a client of its own whose backend is measured.
        const client = new pg.Client({
          connectionString: url,
          options: `-c TimeZone=UTC -c random_page_cost=${serverSettings.random_page_cost}`,
        })
        await client.connect()
        try {
          const pid = (await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]?.pid ?? 0
          const modes = [
            ["unnamed", "auto"],
            ["prepared, auto", "auto"],
            ["prepared, generic", "force_generic_plan"],
          ] as const
          for (const round of [1, 2]) {
            for (const [mode, setting] of modes) {
              await client.query(`set plan_cache_mode = ${setting}`)
              const name = `hx_modes_${round}_${setting}`
              const run = () => (mode === "unnamed" ? client.query(text, values) : client.query({ name, text, values }))
              for (let i = 0; i < 10; i++) await run()
              const from = ranMs(pid)
              const started = performance.now()
              for (let i = 0; i < runs; i++) await run()
              const wall = (performance.now() - started) / runs
              const cpu = (ranMs(pid) - from) / runs
              process.stdout.write(
                `${query.slice(0, 40)}  ${mode}: server CPU ${cpu.toFixed(2)} ms a run, wall ${wall.toFixed(2)} ms\n`,
              )
            }
          }
        } finally {
          await client.end()
        }
      })
    }),
  ),
)

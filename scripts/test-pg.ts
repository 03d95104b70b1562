// One embedded PostgreSQL server for a whole test run (scripts/test.sh, when TEST_DATABASE_URL is unset):
//   eval "$(node --import tsx scripts/test-pg.ts start)"   ...   node --import tsx scripts/test-pg.ts stop "$DIR"
// `start` prints the exports (TEST_DATABASE_URL, HYPERX_TEST_PG_DIR) and leaves the server running, detached.
import { readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { Effect, Scope } from "effect"
import { isAlive } from "../core/store/server/server.ts"
import { temporaryServer } from "../core/store/testing/server.ts"

const [action, dir] = process.argv.slice(2)
if (action === "start") {
  // The scope is never closed: the server outlives this process until `stop`.
  const scope = await Effect.runPromise(Scope.make())
  const server = await Effect.runPromise(temporaryServer().pipe(Scope.provide(scope)))
  process.stdout.write(`export TEST_DATABASE_URL='${server.adminUrl}'\nexport HYPERX_TEST_PG_DIR='${server.dir}'\n`)
  process.exit(0)
} else if (action === "stop" && dir !== undefined) {
  const pid = Number(readFileSync(join(dir, "pg", "postmaster.pid"), "utf8").split("\n")[0])
  const alive = () => isAlive(pid)
  if (pid > 0 && alive()) process.kill(pid, "SIGINT")
  while (pid > 0 && alive()) await sleep(50)
  rmSync(dir, { recursive: true, force: true })
} else {
  process.stderr.write("usage: scripts/test-pg.ts start | stop DIR\n")
  process.exit(2)
}

import { spawn } from "node:child_process"
import { chmodSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { StoreError } from "../../errors.ts"
import { embeddedServer } from "../server/server.ts"
import { serverUser } from "../server/server-user.ts"

/** Speed over durability: a test server's data is thrown away at the end of the run. */
export const testServerSettings: Readonly<Record<string, string>> = {
  fsync: "off",
  synchronous_commit: "off",
  full_page_writes: "off",
  max_connections: "200",
}

/**
 * An embedded server in a new temporary folder, for a test run with no TEST_DATABASE_URL; yields its admin URL
 * (database `postgres`). The scope closing stops it; `stopOnExit` also stops it (and removes the folder) when the
 * process exits without closing the scope.
 */
export const temporaryServer = (
  options: { readonly stopOnExit?: boolean } = {},
): Effect.Effect<{ readonly adminUrl: string; readonly dir: string; readonly pid: number }, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    const dir = mkdtempSync(join(tmpdir(), "hyperx-test-pg-"))
    // The server's user (as root: hyperx-pg) must reach its cluster folder inside.
    chmodSync(dir, 0o711)
    const user = yield* serverUser()
    const server = yield* embeddedServer({
      dir: join(dir, "pg"),
      passwordFile: join(dir, "pg-password"),
      user,
      settings: testServerSettings,
    })
    if (options.stopOnExit === true) {
      process.once("exit", () => {
        try {
          process.kill(server.pid, "SIGINT")
        } catch {}
        // The process is gone before the server: a detached shell waits for the server, then removes the folder.
        spawn("sh", ["-c", `while kill -0 ${server.pid} 2>/dev/null; do sleep 0.1; done; rm -rf '${dir}'`], {
          detached: true,
          stdio: "ignore",
        }).unref()
      })
    }
    return { adminUrl: server.adminUrl, dir, pid: server.pid }
  })

let shared: Promise<string> | undefined

/**
 * The PostgreSQL server the store tests of this process use: TEST_DATABASE_URL when set (CI: Debian's PostgreSQL 15;
 * `npm test` starts one embedded server for the whole run), otherwise one embedded server for this process,
 * started at the first use and stopped when the process exits.
 */
export const testServerUrl = (env: Readonly<Record<string, string | undefined>>): Effect.Effect<string, StoreError> =>
  Effect.tryPromise({
    try: () => {
      const url = env.TEST_DATABASE_URL
      if (url !== undefined && url !== "") return Promise.resolve(url)
      shared ??= Effect.runPromise(
        Scope.make().pipe(
          Effect.flatMap((scope) =>
            temporaryServer({ stopOnExit: true }).pipe(
              Scope.provide(scope),
              Effect.onExit((exit) => (Exit.isFailure(exit) ? Scope.close(scope, exit) : Effect.void)),
            ),
          ),
          Effect.map((server) => server.adminUrl),
        ),
      )
      return shared
    },
    catch: (cause) =>
      new StoreError({ operation: "testing.server", message: `No test server: ${String(cause)}`, retryable: false }),
  })

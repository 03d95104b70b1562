import { Effect, type Scope } from "effect"
import { Kysely, PostgresDialect } from "kysely"
import pg from "pg"
import type { StoreError } from "../errors.ts"
import { HyperxCamelCasePlugin } from "./naming.ts"
import { plainRows } from "./plain-rows.ts"
import { preparing } from "./prepared.ts"
import type { DB } from "./schema.ts"
import { serverSettings } from "./server/settings.ts"
import { toStoreError } from "./store-error.ts"

/** One engine: PostgreSQL (the embedded server of the data folder, or DATABASE_URL). */
export type Dialect = "postgres"

/** An open database: the Kysely handle and which backend is behind it. */
export interface Database {
  readonly db: Kysely<DB>
  readonly dialect: Dialect
}

export interface DatabaseOptions {
  readonly dialect: "postgres"
  readonly url: string
}

/**
 * Every session in UTC, whatever the server's default (PG 15 says Etc/UTC, others may not). And the planner's cost of
 * a random page read as the embedded server has it (server/settings.ts): the agent's rows and indexes sit in memory,
 * and at the default 4 (spinning disks) the list's page at 10,000 VMs joined its 100 rows to a scan of the whole vms
 * table (700 of 1,761 buffers, 4.5 of 6.7 ms) rather than reading them by key (#23). On a server of the operator's
 * (DATABASE_URL) it is set for the agent's own sessions only.
 */
const sessionOptions = `-c TimeZone=UTC -c random_page_cost=${serverSettings.random_page_cost}`

const kyselyOver = (pool: pg.Pool): Kysely<DB> =>
  new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins: [new HyperxCamelCasePlugin()] })

/** Closing is best effort: a failure to close must not hide the outcome of what ran before. */
const closeQuietly = (close: () => Promise<void>) => Effect.tryPromise(close).pipe(Effect.ignore)

const openPostgres = (url: string) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        // Two connections stay open however long the agent idles (pg closes idle ones after 10 s): otherwise the first
        // operation after a quiet spell pays for a new connection (its TCP and start-up, 5–15 ms on a busy host) and
        // prepares its statements again. The runner uses two at once (an operation's records while its work runs).
        const pool = new pg.Pool({ connectionString: url, options: sessionOptions, min: 2 })
        // An idle client that loses its connection emits "error"; unhandled, it would kill the process.
        // The next query on the pool then fails and becomes a retryable StoreError.
        pool.on("error", () => undefined)
        // A client checked out of the pool has no such listener: a connection the server ends under a query
        // (pg_terminate_backend, a shutdown) would emit an unhandled "error" and take the agent down. Its query
        // fails anyway (a retryable StoreError), and the pool drops the broken client when it is released.
        pool.on("connect", (client) => {
          client.on("error", () => undefined)
          // Under the preparing: its runs read plain rows too.
          plainRows(client)
          preparing(client)
        })
        const db = kyselyOver(pool)
        // Fail now, not at the first query, when the server is unreachable.
        await db
          .selectNoFrom((eb) => eb.lit(1).as("ok"))
          .execute()
          .catch(async (cause: unknown) => {
            await db.destroy()
            throw cause
          })
        return db
      },
      catch: toStoreError("openDatabase"),
    }),
    (db) => closeQuietly(() => db.destroy()),
  )

/** Open a database for the life of the surrounding scope (not migrated: see migrateToLatest). */
export const openDatabase = (options: DatabaseOptions): Effect.Effect<Database, StoreError, Scope.Scope> =>
  openPostgres(options.url).pipe(Effect.map((db) => ({ db, dialect: options.dialect })))

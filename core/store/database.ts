import { PGlite } from "@electric-sql/pglite"
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm"
import { createPgConfig } from "@electric-sql/pglite/node-postgres"
import { Effect, type Scope } from "effect"
import { Kysely, PostgresDialect } from "kysely"
import pg from "pg"
import type { StoreError } from "../errors.ts"
import { HyperxCamelCasePlugin } from "./naming.ts"
import type { DB } from "./schema.ts"
import { toStoreError } from "./store-error.ts"

export type Dialect = "postgres" | "pglite"

/** An open database: the Kysely handle and which backend is behind it. */
export interface Database {
  readonly db: Kysely<DB>
  readonly dialect: Dialect
}

export type DatabaseOptions =
  | { readonly dialect: "postgres"; readonly url: string }
  | { readonly dialect: "pglite"; readonly dataDir?: string }

const kyselyOver = (pool: pg.Pool): Kysely<DB> =>
  new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins: [new HyperxCamelCasePlugin()] })

/** Closing is best effort: a failure to close must not hide the outcome of what ran before. */
const closeQuietly = (close: () => Promise<void>) => Effect.tryPromise(close).pipe(Effect.ignore)

const openPostgres = (url: string) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        // Every session in UTC, whatever the server's default (PG 15 says Etc/UTC, others may not).
        const pool = new pg.Pool({ connectionString: url, options: "-c TimeZone=UTC" })
        // An idle client that loses its connection emits "error"; unhandled, it would kill the process.
        // The next query on the pool then fails and becomes a retryable StoreError.
        pool.on("error", () => undefined)
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

const openPglite = (dataDir: string | undefined) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        // No dataDir: an in-memory database that vanishes when closed.
        // pg_trgm: the list's search indexes (migration 2026_12_06_0010); PGlite loads an extension only when asked.
        const pglite = await PGlite.create(dataDir, { extensions: { pg_trgm } })
        // PGlite is one session, shared by the pool's single client, so a session setting holds for all queries.
        await pglite.exec("SET TIME ZONE 'UTC'").catch(async (cause: unknown) => {
          await pglite.close()
          throw cause
        })
        return { pglite, db: kyselyOver(new pg.Pool(createPgConfig(pglite))) }
      },
      catch: toStoreError("openDatabase"),
    }),
    // db.destroy() ends the pool but leaves PGlite running; close it too.
    ({ pglite, db }) => closeQuietly(() => db.destroy().finally(() => pglite.close())),
  ).pipe(Effect.map(({ db }) => db))

/** Open a database for the life of the surrounding scope (not migrated: see migrateToLatest). */
export const openDatabase = (options: DatabaseOptions): Effect.Effect<Database, StoreError, Scope.Scope> =>
  (options.dialect === "postgres" ? openPostgres(options.url) : openPglite(options.dataDir)).pipe(
    Effect.map((db) => ({ db, dialect: options.dialect })),
  )

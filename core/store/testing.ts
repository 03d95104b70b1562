import { createHash, randomUUID } from "node:crypto"
import { after, before } from "node:test"
import { Effect, Layer, ManagedRuntime, type Scope } from "effect"
import pg from "pg"
import type { StoreError } from "../errors.ts"
import { type Database, openDatabase } from "./database.ts"
import { migrations } from "./migrations/index.ts"
import { migrateToLatest } from "./migrator.ts"
import { Store } from "./ports.ts"
import { run } from "./run.ts"
import { makeStore } from "./store.ts"
import { testServerUrl } from "./testing/server.ts"

export { sampleIp, sampleMac, sampleRows } from "./testing/sample-rows.ts"
export { insertWorld, type SampleWorld, sampleBundle, sampleVm, sampleWorld } from "./testing/sample-world.ts"
export { spreadVms } from "./testing/spread-vms.ts"

/** The database server the store-backed tests run on (one: a real PostgreSQL server). */
export interface StoreBackend {
  readonly name: "postgres"
  /** A reason to skip this backend's tests, or false to run them (always false: nothing skips). */
  readonly skip: string | false
  /** A fresh, migrated, empty database behind the Store each time the layer is built; gone when it closes. */
  readonly layer: () => Layer.Layer<Store, StoreError>
  /** A fresh, empty, NOT migrated database, for migration tests. */
  readonly database: () => Effect.Effect<Database, StoreError, Scope.Scope>
}

/** One statement on the server of `adminUrl`, on a connection of its own (create or drop a database). */
export const adminQuery = (adminUrl: string, statement: string) =>
  run("testing.adminQuery", async () => {
    const client = new pg.Client({ connectionString: adminUrl })
    await client.connect()
    try {
      await client.query(statement)
    } finally {
      await client.end()
    }
  })

/** The same server's URL for another database (works for host:port and unix-socket URLs alike). */
export const databaseUrl = (serverUrl: string, name: string): string => {
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** The migrations' names and code: a template is reused only while they are unchanged. */
const migrationsHash = createHash("sha256")
  .update(
    Object.entries(migrations)
      .map(([name, migration]) => `${name}\n${migration.up.toString()}\n${migration.down?.toString() ?? ""}`)
      .join("\n"),
  )
  .digest("hex")
  .slice(0, 16)
const templateName = `hx_template_${migrationsHash}`

const templates = new Map<string, Promise<void>>()

/**
 * The migrated template database on this server, made once (migrating takes longer than copying it): its test
 * processes take turns under an advisory lock, and the first one migrates a scratch database and renames it.
 */
const ensureTemplate = (adminUrl: string) =>
  run("testing.template", () => {
    let made = templates.get(adminUrl)
    if (made === undefined) {
      made = (async () => {
        const client = new pg.Client({ connectionString: adminUrl })
        await client.connect()
        try {
          await client.query("select pg_advisory_lock(hashtext('hyperx test template'))")
          const found = await client.query("select 1 from pg_database where datname = $1", [templateName])
          if (found.rowCount !== 0) return
          const scratch = `hx_tmp_${randomUUID().replaceAll("-", "").slice(0, 20)}`
          await client.query(`create database ${scratch}`)
          await Effect.runPromise(
            Effect.scoped(
              openDatabase({ dialect: "postgres", url: databaseUrl(adminUrl, scratch) }).pipe(
                Effect.flatMap((database) => migrateToLatest(database.db)),
              ),
            ),
          )
          await client.query(`alter database ${scratch} rename to ${templateName}`)
        } finally {
          await client.end()
        }
      })()
      templates.set(adminUrl, made)
      made.catch(() => templates.delete(adminUrl))
    }
    return made
  })

/** A new database hx_test_<random> on the server (from `template`, or empty), dropped when the scope closes. */
const scratchStoreDatabase = (
  env: Readonly<Record<string, string | undefined>>,
  migrated: boolean,
): Effect.Effect<Database, StoreError, Scope.Scope> =>
  Effect.gen(function* () {
    const adminUrl = yield* testServerUrl(env)
    if (migrated) yield* ensureTemplate(adminUrl)
    const name = `hx_test_${randomUUID().replaceAll("-", "").slice(0, 20)}`
    const create = migrated ? `create database ${name} template ${templateName}` : `create database ${name}`
    yield* Effect.acquireRelease(adminQuery(adminUrl, create), () =>
      // Registered first, so it runs after the pool below has closed; FORCE ends any straggling session.
      adminQuery(adminUrl, `drop database if exists ${name} with (force)`).pipe(Effect.ignore),
    )
    return yield* openDatabase({ dialect: "postgres", url: databaseUrl(adminUrl, name) })
  })

/** A new, empty database hx_test_<random> on the server of `adminUrl`: its name and URL; dropped when the scope closes. */
export const scratchDatabase = (adminUrl: string) =>
  Effect.gen(function* () {
    const name = `hx_test_${randomUUID().replaceAll("-", "").slice(0, 20)}`
    yield* Effect.acquireRelease(adminQuery(adminUrl, `create database ${name}`), () =>
      // Registered first, so it runs after anything opened on it has closed; FORCE ends any straggling session.
      adminQuery(adminUrl, `drop database if exists ${name} with (force)`).pipe(Effect.ignore),
    )
    return { name, url: databaseUrl(adminUrl, name) }
  })

type Env = Readonly<Record<string, string | undefined>>

const postgresBackend = (env: Env): StoreBackend => ({
  name: "postgres",
  skip: false,
  // The template is already migrated: the store goes straight over the copy.
  layer: () => Layer.effect(Store, scratchStoreDatabase(env, true).pipe(Effect.map(makeStore))),
  database: () => scratchStoreDatabase(env, false),
})

/**
 * The store's test backends: one real PostgreSQL server (TEST_DATABASE_URL, or an embedded server the harness starts
 * when it is unset). Loop over it in store-backed tests, as before:
 *   for (const b of storeBackends) describe(`store on ${b.name}`, { skip: b.skip }, () => { ... })
 */
export const storeBackends: ReadonlyArray<StoreBackend> = [postgresBackend(process.env)]

/** The one backend, for tests that need a single one. */
export const storeBackend: StoreBackend = storeBackends[0] as StoreBackend

/** The backends as a given environment (TEST_DATABASE_URL) configures them; storeBackends uses process.env. */
export const storeBackendsFor = (env: Env): ReadonlyArray<StoreBackend> => [postgresBackend(env)]

/**
 * One Store for the tests of the enclosing describe: built before the first test, closed after the last. Call it
 * in the describe body; tests share the database, so give rows fresh ids (sampleRows does) and never assume a
 * table is empty.
 */
export const useStore = (backend: StoreBackend): (<A, E>(effect: Effect.Effect<A, E, Store>) => Promise<A>) => {
  let runtime: ManagedRuntime.ManagedRuntime<Store, StoreError> | undefined
  before(() => {
    runtime = ManagedRuntime.make(backend.layer())
  })
  after(() => runtime?.dispose())
  return (effect) => {
    if (runtime === undefined) return Promise.reject(new Error("useStore: the store is used before its before() hook"))
    return runtime.runPromise(effect)
  }
}

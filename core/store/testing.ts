import { randomUUID } from "node:crypto"
import { after, before } from "node:test"
import { Effect, Layer, ManagedRuntime, type Scope } from "effect"
import pg from "pg"
import { StoreError } from "../errors.ts"
import { type Database, openDatabase } from "./database.ts"
import { Store } from "./ports.ts"
import { run } from "./run.ts"
import { storeOver } from "./store.ts"

export { sampleIp, sampleMac, sampleRows } from "./sample-rows.ts"
export { insertWorld, type SampleWorld, sampleBundle, sampleVm, sampleWorld } from "./sample-world.ts"

/** One database backend the store-backed tests run on. */
export interface StoreBackend {
  readonly name: "postgres" | "pglite"
  /** A reason to skip this backend's tests, or false to run them. */
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

/** A new, empty database hx_test_<random> on the server of `adminUrl`: its name and URL; dropped when the scope closes. */
export const scratchDatabase = (adminUrl: string) =>
  Effect.gen(function* () {
    const name = `hx_test_${randomUUID().replaceAll("-", "").slice(0, 20)}`
    yield* Effect.acquireRelease(adminQuery(adminUrl, `create database ${name}`), () =>
      // Registered first, so it runs after anything opened on it has closed; FORCE ends any straggling session.
      adminQuery(adminUrl, `drop database if exists ${name} with (force)`).pipe(Effect.ignore),
    )
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    return { name, url: url.toString() }
  })

/** A scratch database (above), opened and migrated by the caller's needs. */
const scratchPostgres = (adminUrl: string): Effect.Effect<Database, StoreError, Scope.Scope> =>
  Effect.flatMap(scratchDatabase(adminUrl), ({ url }) => openDatabase({ dialect: "postgres", url }))

const layerOver = (database: () => Effect.Effect<Database, StoreError, Scope.Scope>) => () =>
  Layer.effect(Store, database().pipe(Effect.flatMap(storeOver)))

type Env = Readonly<Record<string, string | undefined>>

const postgresBackend = (env: Env): StoreBackend => {
  const url = env.TEST_DATABASE_URL
  if (url !== undefined && url !== "") {
    const database = () => scratchPostgres(url)
    return { name: "postgres", skip: false, layer: layerOver(database), database }
  }
  // In CI a missing server is a broken pipeline, not a reason to skip: the tests run and fail.
  const missing = new StoreError({
    operation: "testing.postgres",
    message: "TEST_DATABASE_URL not set, and CI=true: the PostgreSQL store tests cannot run",
    retryable: false,
  })
  const database = () => Effect.fail(missing)
  return {
    name: "postgres",
    skip: env.CI === "true" ? false : "TEST_DATABASE_URL not set: PostgreSQL store tests skipped",
    layer: layerOver(database),
    database,
  }
}

const pgliteBackend: StoreBackend = {
  name: "pglite",
  skip: false,
  layer: layerOver(() => openDatabase({ dialect: "pglite" })),
  database: () => openDatabase({ dialect: "pglite" }),
}

/**
 * Every backend the store runs on. Loop over it in store-backed tests:
 *   for (const b of storeBackends) describe(`store on ${b.name}`, { skip: b.skip }, () => { ... })
 */
export const storeBackends: ReadonlyArray<StoreBackend> = [postgresBackend(process.env), pgliteBackend]

/** The backends as a given environment (TEST_DATABASE_URL, CI) configures them; storeBackends uses process.env. */
export const storeBackendsFor = (env: Env): ReadonlyArray<StoreBackend> => [postgresBackend(env), pgliteBackend]

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

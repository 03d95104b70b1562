import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect, Exit, Scope } from "effect"
import { sql } from "kysely"
import pg from "pg"
import { Store } from "./ports.ts"
import { testServerUrl } from "./testing/server.ts"
import { insertWorld, sampleWorld, storeBackend, storeBackendsFor } from "./testing.ts"

describe("store test harness", () => {
  it("one backend, a real PostgreSQL server, that never skips (with or without TEST_DATABASE_URL, in CI or not)", () => {
    for (const env of [{}, { CI: "true" }, { TEST_DATABASE_URL: "postgresql://x@127.0.0.1/y" }]) {
      const backends = storeBackendsFor(env)
      assert.deepEqual(
        backends.map((b) => [b.name, b.skip]),
        [["postgres", false]],
      )
    }
  })

  it("an empty test database is created fresh and dropped when its scope closes", async () => {
    const scope = await Effect.runPromise(Scope.make())
    const { db } = await Effect.runPromise(storeBackend.database().pipe(Scope.provide(scope)))
    const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(db)
    const name = rows[0]?.name ?? ""
    assert.match(name, /^hx_test_[0-9a-f]+$/)
    const tables = await sql<{ n: string }>`select count(*) as n from pg_tables where schemaname = 'public'`.execute(db)
    assert.equal(tables.rows[0]?.n, "0")
    await Effect.runPromise(Scope.close(scope, Exit.void))

    const admin = new pg.Client({ connectionString: await Effect.runPromise(testServerUrl(process.env)) })
    await admin.connect()
    const left = await admin.query("select 1 from pg_database where datname = $1", [name]).finally(() => admin.end())
    assert.equal(left.rowCount, 0)
  })

  it("the store's layer is a migrated copy of the template: two layers, two databases, rows apart", async () => {
    const world = sampleWorld()
    const count = Store.use((store) => store.companies.list()).pipe(Effect.map((rows) => rows.length))
    const first = await Effect.runPromise(
      insertWorld(world).pipe(Effect.andThen(count), Effect.provide(storeBackend.layer())),
    )
    const second = await Effect.runPromise(count.pipe(Effect.provide(storeBackend.layer())))
    assert.ok(first > 0)
    assert.equal(second, 0)
  })
})

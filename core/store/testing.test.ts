import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect, Exit, Scope } from "effect"
import { sql } from "kysely"
import pg from "pg"
import { storeBackendsFor } from "./testing.ts"

const postgresFor = (env: Record<string, string>) => {
  const backend = storeBackendsFor(env).find((b) => b.name === "postgres")
  assert.ok(backend)
  return backend
}

describe("store test harness", () => {
  it("without TEST_DATABASE_URL the postgres backend is skipped, with the reason", () => {
    assert.equal(postgresFor({}).skip, "TEST_DATABASE_URL not set: PostgreSQL store tests skipped")
    assert.equal(postgresFor({ CI: "false" }).skip, "TEST_DATABASE_URL not set: PostgreSQL store tests skipped")
  })

  it("in CI a missing TEST_DATABASE_URL is not skipped: opening the database fails", async () => {
    const backend = postgresFor({ CI: "true" })
    assert.equal(backend.skip, false)
    const error = await Effect.runPromise(Effect.flip(Effect.scoped(backend.database())))
    assert.equal(error._tag, "StoreError")
    assert.match(error.message, /TEST_DATABASE_URL not set/)
  })

  const url = process.env.TEST_DATABASE_URL
  it("a postgres test database is created fresh and dropped when its scope closes", {
    skip: url ? false : "TEST_DATABASE_URL not set: PostgreSQL store tests skipped",
  }, async () => {
    assert.ok(url)
    const backend = postgresFor({ TEST_DATABASE_URL: url })
    const scope = await Effect.runPromise(Scope.make())
    const { db } = await Effect.runPromise(backend.database().pipe(Scope.provide(scope)))
    const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(db)
    const name = rows[0]?.name ?? ""
    assert.match(name, /^hx_test_[0-9a-f]+$/)
    await Effect.runPromise(Scope.close(scope, Exit.void))

    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    const left = await admin.query("select 1 from pg_database where datname = $1", [name]).finally(() => admin.end())
    assert.equal(left.rowCount, 0)
  })
})

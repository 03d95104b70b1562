import assert from "node:assert/strict"
import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Effect } from "effect"
import pg from "pg"
import { embeddedServer, isAlive } from "./server.ts"
import { serverUser } from "./server-user.ts"

const query = async (url: string, sql: string) => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(sql)).rows
  } finally {
    await client.end()
  }
}

describe("the embedded PostgreSQL server", () => {
  const dir = mkdtempSync(join(tmpdir(), "hx-embedded-"))
  chmodSync(dir, 0o711)
  after(() => rmSync(dir, { recursive: true, force: true }))
  const options = Effect.map(serverUser(), (user) => ({
    dir: join(dir, "pg"),
    passwordFile: join(dir, "pg-password"),
    user,
  }))
  /** One start: run `use` on the server, then close the scope (which stops it). */
  const withServer = <A>(use: (server: { url: string; pid: number; initialised: boolean }) => Promise<A>) =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const server = yield* embeddedServer(yield* options)
          return { server, result: yield* Effect.promise(() => use(server)) }
        }),
      ),
    )

  it("the first start makes the cluster; the agent's settings hold; no TCP; the contrib extensions other migrations use exist", async () => {
    const { server, result } = await withServer(async (server) => ({
      settings: await query(
        server.url,
        "select current_setting('listen_addresses') as listen, current_setting('shared_buffers') as buffers, current_setting('max_connections') as connections, current_user as role, current_database() as database",
      ),
      extensions: await query(
        server.url,
        "select name from pg_available_extensions where name in ('pg_trgm', 'btree_gin') order by name",
      ),
      made: await query(
        server.url,
        "create extension pg_trgm; create extension btree_gin; create table kept (id int primary key, note text); insert into kept values (1, 'still here')",
      ),
    }))
    assert.equal(server.initialised, true)
    assert.deepEqual(result.settings, [
      { listen: "", buffers: "128MB", connections: "40", role: "hyperx", database: "hyperx" },
    ])
    assert.deepEqual(
      result.extensions.map((row) => row.name),
      ["btree_gin", "pg_trgm"],
    )
    assert.equal(isAlive(server.pid), false, "closing the scope stops the server")
  })

  it("a later start finds the cluster as it was (no initdb) and the password it made", async () => {
    const { server, result } = await withServer((server) => query(server.url, "select note from kept"))
    assert.equal(server.initialised, false)
    assert.deepEqual(result, [{ note: "still here" }])
  })

  it("a wrong password is refused", async () => {
    await withServer(async (server) => {
      const url = new URL(server.url)
      url.password = "not-the-password"
      await assert.rejects(query(url.toString(), "select 1"), /password authentication failed/)
    })
  })
})

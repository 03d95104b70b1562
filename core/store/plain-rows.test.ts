import assert from "node:assert/strict"
import { after, before, describe, it } from "node:test"
import { setFlagsFromString } from "node:v8"
import pg from "pg"
import { plainRows } from "./plain-rows.ts"
import { preparedMark, preparing } from "./prepared.ts"

const url = process.env.TEST_DATABASE_URL

describe("rows as plain objects (#23)", { skip: url ? false : "TEST_DATABASE_URL not set" }, () => {
  const client = new pg.Client({ connectionString: url })
  const driver = new pg.Client({ connectionString: url })
  before(async () => {
    await Promise.all([client.connect(), driver.connect()])
    plainRows(client)
    preparing(client)
  })
  after(() => Promise.all([client.end(), driver.end()]))

  const wide = `select $1::int as n, 'x' as "displayName", null::text as none, '{"a": [1]}'::jsonb as tags,
    '2026-11-01T00:00:00.123456Z'::timestamptz as at, 12345678901::bigint as big, 2 as n`

  it("gives the driver's rows: the same keys, order and values, a column named twice its last", async () => {
    const ours = await client.query(wide, [7])
    const theirs = await driver.query(wide, [7])
    assert.deepEqual(ours.rows, theirs.rows)
    assert.deepEqual(
      ours.rows.map((row) => Object.keys(row)),
      [["n", "displayName", "none", "tags", "at", "big"]],
    )
    assert.equal(ours.rows[0].n, 2, "the second column named n, as the driver keeps it")
    assert.ok(ours.rows[0].at instanceof Date)
    assert.equal(Object.getPrototypeOf(ours.rows[0]), Object.prototype)
    assert.equal(ours.rowCount, 1)
    assert.deepEqual(
      ours.fields.map((field) => field.name),
      theirs.fields.map((field) => field.name),
    )
  })

  it("rows as plain objects of one shape: fast properties, one map for every row (V8's own checks)", async () => {
    setFlagsFromString("--allow-natives-syntax")
    const fast = new Function("row", "return %HasFastProperties(row)") as (row: object) => boolean
    const sameMap = new Function("a", "b", "return %HaveSameMap(a, b)") as (a: object, b: object) => boolean
    const columns = Array.from({ length: 34 }, (_, at) => `g + ${at} as c${at}`).join(", ")
    const { rows } = await client.query(`select ${columns} from generate_series(1, 3) g`)
    assert.deepEqual(
      rows.map((row) => row.c33),
      [34, 35, 36],
    )
    assert.deepEqual(rows.map(fast), [true, true, true])
    assert.deepEqual([sameMap(rows[0], rows[1]), sameMap(rows[0], rows[2])], [true, true])
  })

  it("a column named __proto__ is a column, not the row's prototype", async () => {
    const { rows } = await client.query(`select '{"polluted": true}'::jsonb as "__proto__", 1 as n`)
    assert.equal(Object.getPrototypeOf(rows[0]), Object.prototype)
    assert.deepEqual(Object.keys(rows[0]), ["__proto__", "n"])
    assert.equal((rows[0] as { polluted?: unknown }).polluted, undefined)
  })

  it("each of several statements gets its rows; prepared ones and those without rows answer as before", async () => {
    const results = (await client.query("select 1 as a; select 'b' as b, 2 as c")) as unknown as Array<pg.QueryResult>
    assert.deepEqual(
      results.map((result) => result.rows),
      [[{ a: 1 }], [{ b: "b", c: 2 }]],
    )
    for (const value of [1, 2]) {
      assert.deepEqual((await client.query(`${preparedMark}select $1::int + 1 as n`, [value])).rows, [{ n: value + 1 }])
    }
    await client.query("create temp table plain (id int)")
    const inserted = await client.query("insert into plain values (1), (2)")
    assert.equal(inserted.rowCount, 2)
    assert.deepEqual(inserted.rows, [])
    assert.deepEqual((await client.query("select * from plain where id > $1", [5])).rows, [])
  })

  it("leaves alone a query that asks for its own row mode, or takes a callback", async () => {
    const arrays = await client.query({ text: "select 1 as a, 2 as b", rowMode: "array" })
    assert.deepEqual(arrays.rows, [[1, 2]])
    const viaCallback = await new Promise<pg.QueryResult>((resolve, reject) =>
      client.query("select 3 as c", (error: Error | null, result: pg.QueryResult) =>
        error ? reject(error) : resolve(result),
      ),
    )
    assert.deepEqual(viaCallback.rows, [{ c: 3 }])
  })

  it("a failing statement fails as the driver's does", async () => {
    await assert.rejects(client.query("select 1/0 as n"), (error: { code?: string }) => error.code === "22012")
    assert.deepEqual((await client.query("select 1 as ok")).rows, [{ ok: 1 }], "the connection still answers")
  })
})

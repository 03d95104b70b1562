import assert from "node:assert/strict"
import { after, before, describe, it } from "node:test"
import pg from "pg"
import { preparedMark, preparedWhileRoomMark, preparing, replannedWhileRoomMark, roomForTexts } from "./prepared.ts"

const url = process.env.TEST_DATABASE_URL

describe("statements prepared once per connection", { skip: url ? false : "TEST_DATABASE_URL not set" }, () => {
  const client = new pg.Client({ connectionString: url })
  before(async () => {
    await client.connect()
    preparing(client)
  })
  after(() => client.end())
  const preparedHere = async () =>
    (await client.query("select statement from pg_prepared_statements order by statement")).rows.map(
      (row: { statement: string }) => row.statement,
    )

  it("a marked statement is prepared on its first run and reused after; an unmarked one is not prepared", async () => {
    const marked = `${preparedMark}select $1::int + 1 as n`
    for (const value of [1, 2, 3]) {
      const { rows } = await client.query(marked, [value])
      assert.deepEqual(rows, [{ n: value + 1 }])
    }
    await client.query("select $1::int + 2 as n", [1])
    assert.deepEqual(await preparedHere(), [marked], "one prepared statement: the marked one")
  })

  it("a statement Kysely builds is marked at its end (preparedTail): prepared once too", async () => {
    const tailed = "select $1::int * 2 as n /* prepared */"
    for (const value of [2, 3]) assert.deepEqual((await client.query(tailed, [value])).rows, [{ n: value * 2 }])
    assert.ok((await preparedHere()).includes(tailed))
  })

  it("a marked statement whose columns changed since it was prepared (another agent's migration) still answers", async () => {
    await client.query("create temp table claimed (id int primary key)")
    await client.query("insert into claimed values (7)")
    const marked = `${preparedMark}select * from claimed where id = $1`
    assert.deepEqual((await client.query(marked, [7])).rows, [{ id: 7 }])
    await client.query("alter table claimed add column holder text default 'agent-a'")
    for (let i = 0; i < 2; i++) {
      assert.deepEqual((await client.query(marked, [7])).rows, [{ id: 7, holder: "agent-a" }])
    }
  })

  it("a search prepared while there is room runs its generic plan after its first run, values as they were", async () => {
    const search = `${preparedWhileRoomMark}select $1::text as t, $2::int + 1 as n, $3::text is null as none`
    const odd = "o'brien \\ 10.20.% ; reset all; --"
    for (const n of [1, 2, 3]) {
      assert.deepEqual((await client.query(search, [odd, n, null])).rows, [{ t: odd, n: n + 1, none: true }])
    }
    const { rows } = await client.query(
      "select generic_plans, custom_plans from pg_prepared_statements where statement = $1",
      [search],
    )
    assert.deepEqual(
      rows,
      [{ generic_plans: "2", custom_plans: "1" }],
      "the first run planned for its values, the others not",
    )
    assert.equal((await client.query("show plan_cache_mode")).rows[0].plan_cache_mode, "auto")
    const failing = `${preparedWhileRoomMark}select 1 / $1::int as n`
    assert.deepEqual((await client.query(failing, [1])).rows, [{ n: 1 }])
    await assert.rejects(client.query(failing, [0]), /division by zero/)
    assert.equal(
      (await client.query("show plan_cache_mode")).rows[0].plan_cache_mode,
      "auto",
      "a failed run sets nothing",
    )
  })

  it("a list statement marked to be planned each run is prepared once, then planned for each run's values (#23)", async () => {
    const listed = `${replannedWhileRoomMark}select $1::text as t, $2::int + 1 as n, $3::boolean as b`
    for (const n of [1, 2, 3, 4, 5, 6, 7]) {
      assert.deepEqual((await client.query(listed, ["o'brien", n, n % 2 === 0])).rows, [
        { t: "o'brien", n: n + 1, b: n % 2 === 0 },
      ])
    }
    const plans = async () =>
      (
        await client.query("select generic_plans, custom_plans from pg_prepared_statements where statement = $1", [
          listed,
        ])
      ).rows
    // Seven runs: plan_cache_mode auto would have tried a generic plan from the sixth on.
    assert.deepEqual(await plans(), [{ generic_plans: "0", custom_plans: "7" }])
    assert.equal((await client.query("show plan_cache_mode")).rows[0].plan_cache_mode, "auto")
    // A value that cannot be written as a literal: run unprepared, not left to plan_cache_mode auto.
    const { rows } = await client.query(listed, [new Date(0), 1, true])
    assert.equal(rows[0].n, 2)
    assert.deepEqual(await plans(), [{ generic_plans: "0", custom_plans: "7" }])
  })

  it("past roomForTexts texts marked to be prepared while there is room, the others still answer, unprepared", async () => {
    const already = await preparedHere()
    for (let n = 0; n < roomForTexts + 5; n++) {
      const { rows } = await client.query(`${preparedWhileRoomMark}select $1::int + ${n} as n`, [1])
      assert.deepEqual(rows, [{ n: n + 1 }])
    }
    const roomy = (text: string) => text.startsWith(preparedWhileRoomMark) || text.startsWith(replannedWhileRoomMark)
    const room = (await preparedHere()).filter(roomy)
    assert.equal(room.length, roomForTexts, "one room for both marks")
    const marked = `${preparedMark}select $1::int - 1 as n`
    assert.deepEqual((await client.query(marked, [1])).rows, [{ n: 0 }])
    assert.deepEqual(
      (await preparedHere()).filter((text) => !roomy(text)),
      [...already.filter((text) => !roomy(text)), marked].sort(),
      "a statement with the plain mark is prepared whatever the list's searches took",
    )
  })
})

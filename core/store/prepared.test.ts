import assert from "node:assert/strict"
import { after, before, describe, it } from "node:test"
import pg from "pg"
import { preparedMark, preparedWhileRoomMark, preparing, roomForTexts } from "./prepared.ts"

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

  it("past roomForTexts texts marked to be prepared while there is room, the others still answer, unprepared", async () => {
    const already = await preparedHere()
    for (let n = 0; n < roomForTexts + 5; n++) {
      const { rows } = await client.query(`${preparedWhileRoomMark}select $1::int + ${n} as n`, [1])
      assert.deepEqual(rows, [{ n: n + 1 }])
    }
    const room = (await preparedHere()).filter((text) => text.startsWith(preparedWhileRoomMark))
    assert.equal(room.length, roomForTexts)
    const marked = `${preparedMark}select $1::int - 1 as n`
    assert.deepEqual((await client.query(marked, [1])).rows, [{ n: 0 }])
    assert.deepEqual(
      (await preparedHere()).filter((text) => !text.startsWith(preparedWhileRoomMark)),
      [...already, marked].sort(),
      "a statement with the plain mark is prepared whatever the list's searches took",
    )
  })
})

import assert from "node:assert/strict"
import { after, describe, it } from "node:test"
import { Kysely, PostgresDialect } from "kysely"
import pg from "pg"
import { HyperxCamelCasePlugin } from "./naming.ts"
import type { DB } from "./schema.ts"
import { shapedStatements, slotted } from "./shaped-statement.ts"

// Statements are only compiled here: the pool never connects.
const db = new Kysely<DB>({
  dialect: new PostgresDialect({ pool: new pg.Pool() }),
  plugins: [new HyperxCamelCasePlugin()],
})
after(() => db.destroy())

/** An update of a lock's columns, as a repository writes it: its text from `changes`' keys, its values from a run. */
const update = (changes: Record<string, unknown>, id: string) =>
  db
    .updateTable("vmLocks")
    .set(changes as never)
    .where("vmId", "=", id)

describe("shapedStatements (#12)", () => {
  it("G4 a statement of one shape built once runs each time with that run's values, as a fresh build would", () => {
    const statements = shapedStatements()
    let builds = 0
    const shaped = (changes: Record<string, unknown>, id: string) =>
      statements(`update|${Object.keys(changes)}`, [...Object.values(changes), id], (slot) => {
        builds++
        return update(slotted(changes, slot), slot(Object.keys(changes).length))
      })
    const runs = [
      [{ holder: "a", operation: "vm.start" }, "vm-1"],
      [{ holder: "b", operation: null }, "vm-2"],
      [{ operation: "vm.stop" }, "vm-3"],
      [{ operation: "vm.reboot" }, "vm-4"],
    ] as const
    for (const [changes, id] of runs) {
      const fresh = update(changes, id).compile()
      const got = shaped(changes, id)
      assert.equal(got.sql, fresh.sql)
      assert.deepEqual(got.parameters, fresh.parameters)
    }
    assert.equal(builds, 2, "one build per shape (two shapes of columns)")
  })

  it("G4 a value fixed in the text's build stays that value in every run; only slots take the run's", () => {
    const statements = shapedStatements()
    const run = (holder: string) =>
      statements("free", [holder], (slot) =>
        db.updateTable("vmLocks").set({ holder: null, operation: null }).where("holder", "=", slot(0)),
      )
    assert.deepEqual(run("h1").parameters, [null, null, "h1"])
    assert.deepEqual(run("h2").parameters, [null, null, "h2"])
  })
})

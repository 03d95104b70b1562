import type { Kysely } from "kysely"
import type { PlatformEventRepository } from "./ports.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"

/** #21 G4: the events table; ids are the table's sequence (decimal strings), so every agent's ids compare. */
export const makePlatformEventRepository = (db: Kysely<DB>): PlatformEventRepository => ({
  append: (hostId, events) =>
    events.length === 0
      ? run("platformEvents.append", async () => [])
      : run("platformEvents.append", async () => {
          // One statement for the whole batch; PostgreSQL numbers and returns the rows in the order given.
          const rows = await db
            .insertInto("platformEvents")
            .values(events.map((event) => ({ hostId, event: JSON.stringify(event) })))
            .returning("id")
            .execute()
          return rows.map((row) => String(row.id))
        }),
  after: (id, limit) =>
    run("platformEvents.after", async () => {
      const rows = await db
        .selectFrom("platformEvents")
        .select(["id", "event"])
        .where("id", ">", id as never)
        .orderBy("id")
        .limit(limit)
        .execute()
      return rows.map((row) => ({ id: String(row.id), event: row.event }))
    }),
  has: (id) =>
    run("platformEvents.has", async () => {
      const row = await db
        .selectFrom("platformEvents")
        .select("id")
        .where("id", "=", id as never)
        .executeTakeFirst()
      return row !== undefined
    }),
  pruneBefore: (at) =>
    run("platformEvents.pruneBefore", async () => {
      const result = await db.deleteFrom("platformEvents").where("at", "<", at).executeTakeFirst()
      return Number(result.numDeletedRows)
    }),
})

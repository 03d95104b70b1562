import { existsSync } from "node:fs"
import { Effect, ManagedRuntime } from "effect"
import { sql } from "kysely"
import { openDatabase } from "../../core/store/database.ts"
import { layerPglite } from "../../core/store/layer.ts"
import { seedVms } from "./seed.ts"

const dir = "/tmp/hxscratch/pglite"
if (!existsSync(dir)) {
  const runtime = ManagedRuntime.make(layerPglite({ dataDir: dir }))
  await runtime.runPromise(seedVms(10000, () => {}))
  await runtime.dispose()
}
const file = process.argv[2] as string
const text = (await import("node:fs")).readFileSync(file, "utf8").replace(/;\s*$/, "")
await Effect.runPromise(
  Effect.scoped(
    Effect.gen(function* () {
      const { db } = yield* openDatabase({ dialect: "pglite", dataDir: dir })
  if (process.argv[3] === "analyze") yield* Effect.promise(() => sql`analyze`.execute(db))
      for (let i = 0; i < 8; i++) {
        const r = yield* Effect.promise(() => sql.raw(text).execute(db))
        const lines = (r.rows as Array<Record<string, string>>).map((row) => Object.values(row)[0])
        if (i === 7) console.log(lines.join("\n"))
        else console.log(lines.filter((l) => /Execution|Planning/.test(l ?? "")).join(" "))
      }
    }),
  ),
)

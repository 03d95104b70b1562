import assert from "node:assert/strict"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Effect } from "effect"
import { layerPglite } from "./layer.ts"
import { Store } from "./ports.ts"
import { sampleRows } from "./testing.ts"

describe("layerPglite", () => {
  const dirs: Array<string> = []
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))))

  it("keeps its data in the data directory across a close and a reopen", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "hx-store-pglite-"))
    dirs.push(dataDir)
    const company = sampleRows.company()
    const insert = Effect.gen(function* () {
      const store = yield* Store
      return yield* store.companies.insert(company)
    })
    await Effect.runPromise(insert.pipe(Effect.provide(layerPglite({ dataDir }))))
    // Reopening runs the migrations again (nothing to do) and finds the row; the first instance must have closed.
    const read = Effect.gen(function* () {
      const store = yield* Store
      return { dialect: store.dialect, found: yield* store.companies.get(company.id) }
    })
    const { dialect, found } = await Effect.runPromise(read.pipe(Effect.provide(layerPglite({ dataDir }))))
    assert.equal(dialect, "pglite")
    assert.deepEqual(found, company)
  })
})

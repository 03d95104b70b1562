import assert from "node:assert/strict"
import { after, describe, it } from "node:test"
import { Kysely, PostgresDialect } from "kysely"
import pg from "pg"
import { HyperxCamelCasePlugin } from "./naming.ts"
import type { DB } from "./schema.ts"
import type { VmQuery } from "./vm-query.ts"
import { sheetStatement, type VmListField } from "./vm-sheet.ts"
import { cachedStatement, shapeOf } from "./vm-statement.ts"

// Statements are only compiled here: the pool never connects.
const db = new Kysely<DB>({
  dialect: new PostgresDialect({ pool: new pg.Pool() }),
  plugins: [new HyperxCamelCasePlugin()],
})
after(() => db.destroy())

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`
const fields: ReadonlyArray<VmListField> = ["displayName", "state", "ownerName", "ips", "diskGiB"]

/**
 * Questions in pairs of one shape with other values (and a few of other shapes), over every part a statement reads:
 * scope, name, each header filter, tags, each kind of search, each sort key and direction, cursors, offset, limit,
 * totals and fields.
 */
const variants = (n: number): ReadonlyArray<VmQuery> => {
  const scope = { companyId: id(n), departmentId: id(n + 1) }
  return [
    { scope: {} },
    { scope, limit: 50 + n, offset: n * 10 },
    { scope: { ownerId: id(n) }, recycled: true, limit: 10 },
    { scope: {}, name: `web_${n}`, states: ["running"], limit: 50 },
    { scope: {}, states: n === 0 ? ["running", "stopped"] : ["error", "starting"], flavorIds: [id(n)], limit: 50 },
    { scope: {}, ownerIds: [id(n), id(n + 7)], hostIds: [id(n + 3)], imageIds: [id(n + 4)], limit: 25 },
    {
      scope: {},
      tags: { [`k${n}`]: `v${n}` },
      states: ["running"],
      sort: { by: "cpus", direction: "desc" },
      limit: 50,
    },
    { scope: {}, tags: { [`a${n}`]: "1", [`b${n}`]: "2" }, limit: 50 },
    { scope: {}, tags: { [`a${n}`]: "1" }, name: "x", limit: 50 },
    { scope: {}, search: n === 0 ? "shop" : " 100%_off\\ ", limit: 50 },
    { scope, search: n === 0 ? "10.20.1" : "fe80::1", flavorIds: [id(n)], limit: 50, offset: n },
    { scope: {}, search: `user${n + 1}`, hostIds: [id(n)], sort: { by: "displayName", direction: "asc" }, limit: 100 },
    { scope: {}, search: `wiki_${n}`, sort: { by: "ownerName", direction: "desc" }, limit: 50 },
    { scope: {}, search: `db${n}`, sort: { by: "hostName", direction: "asc" }, after: { key: `host-${n}`, id: id(n) } },
    { scope: {}, sort: { by: "hostName", direction: "desc" }, after: { key: null, id: id(n) }, limit: 50 },
    { scope: {}, states: ["running"], sort: { by: "memoryMiB", direction: "asc" }, after: { key: `${n}`, id: id(n) } },
    {
      scope: {},
      sort: { by: "createdAt", direction: "desc" },
      after: { key: `2026-0${n + 1}-01`, id: id(n) },
      limit: 5,
    },
    { scope, totals: false, after: { key: `name-${n}`, id: id(n) }, sort: { by: "displayName", direction: "asc" } },
    { scope: {}, search: `crm${n}`, totals: false, limit: 1000 },
  ]
}

describe("list statements compiled once per shape (#23)", () => {
  it("a question of a shape already compiled gets the statement and values compiled for it afresh", () => {
    const [some, others] = [variants(0), variants(1)]
    const cached = cachedStatement(sheetStatement, () => "")
    for (const q of some) cached(db, q, fields)
    for (const [at, q] of others.entries()) {
      assert.equal(shapeOf(q, fields), shapeOf(some[at] as VmQuery, fields), `pair ${at} is of one shape`)
      const fresh = cachedStatement(sheetStatement, () => "")(db, q, fields)
      const reused = cached(db, q, fields)
      assert.equal(reused.sql, fresh.sql, `pair ${at}`)
      assert.deepEqual(reused.parameters, fresh.parameters, `pair ${at}`)
    }
  })

  it("each value of the question reaches the statement's parameters, none is left a placeholder", () => {
    const cached = cachedStatement(sheetStatement, () => "")
    const q: VmQuery = {
      scope: { companyId: id(1) },
      search: "10.20.1",
      states: ["running"],
      flavorIds: [id(2)],
      sort: { by: "memoryMiB", direction: "desc" },
      after: { key: "4096", id: id(3) },
      offset: 7,
      limit: 20,
    }
    cached(db, { ...q, search: "10.30.9", flavorIds: [id(9)], offset: 0 }, fields)
    const { parameters } = cached(db, q, fields)
    for (const value of [id(1), "%10.20.1%", "10.20.1%", '["10.20.1"]', "running", id(2), "4096", id(3), 7, 21]) {
      assert.ok(parameters.includes(value), `${JSON.stringify(value)} in ${JSON.stringify(parameters)}`)
    }
    assert.ok(
      parameters.every((value) => value === null || ["string", "number", "boolean"].includes(typeof value)),
      "only plain values",
    )
  })

  it("questions of other shapes get other statements", () => {
    const texts = new Set(variants(0).map((q) => cachedStatement(sheetStatement, () => "")(db, q, fields).sql))
    assert.equal(texts.size, variants(0).length)
    assert.notEqual(shapeOf({ scope: {} }, fields), shapeOf({ scope: {} }, ["id"]))
  })
})

import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { messagesFor } from "../i18n/index.ts"
import { cellText, parseColumns } from "./columns.ts"
import { filterQuery, noFilters, requestedColumns } from "./query.ts"

describe("the list's query and columns", () => {
  it("L2 L4 L1 filters become the API's parameters; a tag filter needs key:value", () => {
    const query = filterQuery(
      { ...noFilters, search: " web ", view: "mine", state: "running", tag: "app-group:shop" },
      { by: "cpus", order: "desc" },
    )
    assert.deepEqual(query, {
      search: "web",
      view: "mine",
      name: "",
      state: "running",
      flavorId: "",
      hostId: "",
      tag: "app-group:shop",
      sort: "cpus",
      order: "desc",
    })
    assert.equal(filterQuery({ ...noFilters, tag: "no-colon" }, { by: "", order: "asc" }).tag, undefined)
  })

  it("L3 column lists keep known names in table order, the name first; rows always carry name and state", () => {
    assert.deepEqual(parseColumns("cpus, bogus, hostname"), ["displayName", "hostname", "cpus"])
    assert.equal(parseColumns(""), undefined)
    assert.equal(parseColumns("bogus"), undefined)
    assert.deepEqual(requestedColumns(["cpus"]), ["displayName", "state", "cpus"])
  })

  it("cells read as people read them", () => {
    const t = messagesFor("en")
    const row = { id: "1", memoryMiB: 2048, ips: ["10.0.0.2", "10.0.0.3"], haEnabled: true, tags: { a: "b" } }
    assert.equal(cellText(row, "memoryMiB", t, "en"), "2 GiB")
    assert.equal(cellText(row, "ips", t, "en"), "10.0.0.2, 10.0.0.3")
    assert.equal(cellText(row, "haEnabled", t, "en"), "Yes")
    assert.equal(cellText(row, "tags", t, "en"), "a=b")
    assert.equal(cellText(row, "remarks", t, "en"), "—")
  })
})

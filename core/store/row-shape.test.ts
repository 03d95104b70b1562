import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { describe, it } from "node:test"
import { copierOf, objectMakerOf } from "./row-shape.ts"

describe("copierOf (#23)", () => {
  it("copies each key read to the key written, in the written order, values as they are", () => {
    const tags = { "app-role": "web" }
    const copy = copierOf(["display_name", "tags", "id"], ["displayName", "tags", "id"])
    const copied = copy({ id: "vm-1", display_name: "shop", tags, unused: 1 })
    assert.deepEqual(Object.entries(copied), [
      ["displayName", "shop"],
      ["tags", tags],
      ["id", "vm-1"],
    ])
    assert.equal(copied.tags, tags, "nested values are not copied")
  })

  it("takes keys that would break code if written as they are", () => {
    const keys = ['a"b', "c\\d", "e\u2028f", "g'h", "__proto__x", "}; x = 1; {"]
    const row = Object.fromEntries(keys.map((key, at) => [key, at]))
    assert.deepEqual(copierOf(keys)(row), row)
  })

  it("compiles a copier once per keys: the same keys give the same copier, other keys another", () => {
    const copy = copierOf(["a_b", "c"], ["aB", "c"])
    assert.equal(copierOf(["a_b", "c"], ["aB", "c"]), copy)
    assert.notEqual(copierOf(["a_b", "c"]), copy)
    assert.notEqual(copierOf(["a_b", "c"], ["c", "aB"]), copy)
    assert.deepEqual(copierOf(["a_b", "c"], ["c", "aB"])({ a_b: 1, c: 2 }), { c: 1, aB: 2 })
  })

  it("gives a key missing from the row as undefined, and each row its own object", () => {
    const copy = copierOf(["a", "b"])
    const first = copy({ a: 1 })
    assert.deepEqual(first, { a: 1, b: undefined })
    assert.notEqual(copy({ a: 1 }), first)
  })

  it("copies as well where node may not compile code from strings (--disallow-code-generation-from-strings)", () => {
    const script = `
      import { copierOf } from ${JSON.stringify(new URL("./row-shape.ts", import.meta.url).href)}
      process.stdout.write(JSON.stringify(copierOf(["a_b", "c"], ["aB", "c"])({ a_b: 1, c: [2] })))`
    const output = execFileSync(
      process.execPath,
      ["--disallow-code-generation-from-strings", "--import", "tsx", "--input-type=module", "-e", script],
      { encoding: "utf8" },
    )
    assert.deepEqual(JSON.parse(output), { aB: 1, c: [2] })
  })

  it("objectMakerOf: the i-th value under the i-th key, a key given twice keeps its last value, one maker per keys", () => {
    const make = objectMakerOf(["id", "display_name", "id", "__proto__"])
    const made = make(["a", "shop", "b", { polluted: true }])
    assert.deepEqual(Object.keys(made), ["id", "display_name", "__proto__"])
    assert.equal(made.id, "b")
    assert.equal(Object.getPrototypeOf(made), Object.prototype, "__proto__ is a key, not the prototype")
    assert.equal(objectMakerOf(["id", "display_name", "id", "__proto__"]), make)
    assert.notEqual(make(["a", "shop", "b", null]), made, "each row its own object")
  })
})

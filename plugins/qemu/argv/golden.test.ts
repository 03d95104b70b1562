import assert from "node:assert/strict"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { Schema } from "effect"
import { VmSpec } from "../../../core/driver/spec.ts"
import { formatOptions, parseArgvLines } from "./argv-lines.ts"
import { buildArgv, buildOptions } from "./build-argv.ts"
import { QemuRuntime } from "./runtime.ts"
import { argvProblems } from "./validate.ts"

/** Each case: golden/<case>.spec.json ({ spec, runtime }) → golden/<case>.argv. UPDATE_GOLDEN=1 rewrites them. */
const goldenDir = fileURLToPath(new URL("./golden/", import.meta.url))
const GoldenCase = Schema.Struct({ spec: VmSpec, runtime: QemuRuntime })
const update = process.env.UPDATE_GOLDEN === "1"
const cases = readdirSync(goldenDir)
  .filter((file) => file.endsWith(".spec.json"))
  .map((file) => file.slice(0, -".spec.json".length))
  .sort()

describe("argv golden files", () => {
  it("H2 cover at least the eight required situations", () => {
    assert.ok(cases.length >= 8, `${cases.length} cases`)
  })

  for (const name of cases) {
    it(`H2 ${name}`, () => {
      const input = Schema.decodeUnknownSync(GoldenCase)(
        JSON.parse(readFileSync(join(goldenDir, `${name}.spec.json`), "utf8")),
      )
      assert.deepEqual(argvProblems(input.spec, input.runtime), [])
      const actual = formatOptions(buildOptions(input.spec, input.runtime))
      const goldenFile = join(goldenDir, `${name}.argv`)
      if (update) writeFileSync(goldenFile, actual)
      assert.ok(existsSync(goldenFile), `missing ${goldenFile}: run with UPDATE_GOLDEN=1`)
      assert.equal(actual, readFileSync(goldenFile, "utf8"))
      assert.deepEqual(parseArgvLines(actual), buildArgv(input.spec, input.runtime))
    })
  }
})

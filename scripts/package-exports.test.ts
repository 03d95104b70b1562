// The package's entry points (package.json "exports"): each names, under the "source" condition, a TypeScript file
// that exists (what the checkout's tests and `tsc` use), and, by default, a file that `npm run build` emits (#22); nothing
// deeper is exported, so plug-in authors and portals import `hyperx/core/driver`, `hyperx/conformance`, … and never a
// file inside them. The built files themselves are proven by scripts/install.test.ts on the packed tarball.
import assert from "node:assert/strict"
import { existsSync, readFileSync } from "node:fs"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"
// Type-checked by `tsc --noEmit` (customConditions: source): imports resolve through the package's own name.
import type { ConformanceModule } from "hyperx/conformance"
import type { DriverFactory } from "hyperx/core/driver"
import { nodeEntries } from "./build.mjs"

const root = new URL("../", import.meta.url)
type Target = string | { readonly source: string; readonly types?: string; readonly default: string }
const manifest = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as {
  readonly name: string
  readonly bin: Readonly<Record<string, string>>
  readonly exports: Readonly<Record<string, Target>>
  readonly files: ReadonlyArray<string>
  readonly dependencies: Readonly<Record<string, string>>
}
const conditional = Object.entries(manifest.exports).flatMap(([subpath, target]) =>
  typeof target === "string" ? [] : [{ subpath, ...target }],
)
const built = new Set(Object.keys(nodeEntries).map((name) => `./dist/${name}.js`))

describe("package entry points (#12, #22)", () => {
  it("every export's source file exists, and its built file is one the build emits", () => {
    assert.ok(conditional.length >= 10)
    for (const target of conditional) {
      assert.ok(existsSync(fileURLToPath(new URL(target.source, root))), `${target.subpath} → ${target.source}`)
      const shipped = target.default.startsWith("./ui-widgets/dist/") || built.has(target.default)
      assert.ok(shipped, `${target.subpath} → ${target.default}`)
      // Every export has its `.d.ts`, where the build emits it (the install test compiles a consumer against them).
      assert.equal(target.types, `./dist/types/${target.source.slice(2).replace(/\.ts$/, ".d.ts")}`, target.subpath)
    }
  })

  it("the command is the built one, and the runtime needs neither tsx nor TypeScript", () => {
    assert.deepEqual(manifest.bin, { hyperx: "dist/hyperx.js" })
    assert.ok(built.has(`./${manifest.bin.hyperx}`))
    assert.equal(manifest.dependencies.tsx, undefined)
    assert.equal(manifest.dependencies.typescript, undefined)
  })

  it("deep paths are not exported", () => {
    for (const deep of ["hyperx/core/store/ports.ts", "hyperx/core/driver/driver.ts", "hyperx/plugins/qemu/qmp"]) {
      assert.throws(() => import.meta.resolve(deep), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" }, deep)
    }
  })

  it("a plug-in author's entry points load and carry the contract", async () => {
    const source = (subpath: string) => {
      const target = conditional.find((entry) => entry.subpath === subpath)
      assert.ok(target, subpath)
      return new URL(target.source, root).href
    }
    const driver = await import(source("./core/driver"))
    const conformance = await import(source("./conformance"))
    const fake = await import(source("./plugins/fake"))
    const factory: DriverFactory = fake.fakeDriverFactory()
    const module: Pick<ConformanceModule, "factory"> = { factory }
    assert.equal(typeof driver.volumeSpecProblem, "function")
    assert.equal(typeof conformance.runConformance, "function")
    assert.ok(module.factory)
  })
})

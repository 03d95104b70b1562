// The package's entry points (package.json "exports"): each names a file that exists, and nothing deeper is exported,
// so plug-in authors and portals import `hyperx/core/driver`, `hyperx/conformance`, … and never a file inside them.
import assert from "node:assert/strict"
import { existsSync, readFileSync } from "node:fs"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"
// Type-checked by `tsc --noEmit`: a plug-in author's imports resolve through the package's own name.
import type { ConformanceModule } from "hyperx/conformance"
import type { DriverFactory } from "hyperx/core/driver"

const root = new URL("../", import.meta.url)
const manifest = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as {
  readonly name: string
  readonly exports: Readonly<Record<string, string>>
}

describe("package entry points (#12)", () => {
  it("every export names a file that exists, found through the package's own name", () => {
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      const specifier = `${manifest.name}${subpath.slice(1)}`
      const resolved = fileURLToPath(import.meta.resolve(specifier))
      assert.equal(resolved, fileURLToPath(new URL(target, root)), specifier)
      assert.ok(existsSync(resolved), `${specifier} → ${target}`)
    }
  })

  it("deep paths are not exported", () => {
    for (const deep of ["hyperx/core/store/ports.ts", "hyperx/core/driver/driver.ts", "hyperx/plugins/qemu/qmp"]) {
      assert.throws(() => import.meta.resolve(deep), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" }, deep)
    }
  })

  it("a plug-in author's entry points load and carry the contract", async () => {
    const driver = await import("hyperx/core/driver")
    const conformance = await import("hyperx/conformance")
    const fake = await import("hyperx/plugins/fake")
    const factory: DriverFactory = fake.fakeDriverFactory()
    const module: Pick<ConformanceModule, "factory"> = { factory }
    assert.equal(typeof driver.volumeSpecProblem, "function")
    assert.equal(typeof conformance.runConformance, "function")
    assert.ok(module.factory)
  })
})

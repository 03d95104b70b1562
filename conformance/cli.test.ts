/** H6 The command a plug-in author runs: a summary line per case, the matrix on disk, the exit code says it all. */
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"

const out = mkdtempSync(join(tmpdir(), "hxc-cli-"))
after(() => rmSync(out, { recursive: true, force: true }))

const cli = (...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, ["--import", "tsx", "conformance/cli.ts", ...args], { encoding: "utf8" })

describe("conformance CLI", () => {
  it("H6 exits 0 for a passing driver and writes the matrix into --out", () => {
    const run = cli("plugins/fake/conformance.ts", "--out", out, "--only", "lifecycle.start")
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stdout, /^pass {2}lifecycle\.start /m)
    assert.match(run.stdout, /^pass {2}host\.clean /m)
    assert.match(run.stdout, /fake 0\.1\.0: 2 passed, 0 failed, 0 skipped/)
    const matrix = JSON.parse(readFileSync(join(out, "support-matrix.json"), "utf8"))
    assert.equal(matrix.drivers.fake.results["lifecycle.start"].status, "passed")
  })

  it("H6 exits 1 when a case fails, prints why, and adds the driver's column beside the others", () => {
    const run = cli("conformance/fixtures/lying-fake.ts", "--out", out, "--only", "lifecycle.force-stop")
    assert.equal(run.status, 1, run.stderr)
    assert.match(run.stdout, /^FAIL {2}lifecycle\.force-stop .*is not stopped after a forced shutdown/m)
    const matrix = JSON.parse(readFileSync(join(out, "support-matrix.json"), "utf8"))
    assert.deepEqual(Object.keys(matrix.drivers).sort(), ["fake", "lying-fake"])
    assert.match(readFileSync(join(out, "support-matrix.md"), "utf8"), /\*\*lying-fake\*\* `lifecycle\.force-stop`/)
  })

  it("exits 2 with the usage or the known cases when called wrongly", () => {
    assert.equal(cli().status, 2)
    const unknown = cli("plugins/fake/conformance.ts", "--only", "no.such-case")
    assert.equal(unknown.status, 2)
    assert.match(unknown.stderr, /unknown conformance case no\.such-case; known: lifecycle\.define/)
  })
})

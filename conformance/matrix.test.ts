/** H6 The support matrix is generated from runs, and runs of different drivers end up side by side. */
import assert from "node:assert/strict"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Effect } from "effect"
import type { Capability } from "../core/driver/capabilities.ts"
import { fakeConformance } from "../plugins/fake/conformance.ts"
import { readSupportMatrix, writeSupportMatrix } from "./matrix.ts"
import type { CaseResult, CaseStatus, ConformanceReport } from "./report.ts"
import { runConformance } from "./session.ts"

const root = mkdtempSync(join(tmpdir(), "hxc-matrix-"))
after(() => rmSync(root, { recursive: true, force: true }))
let folders = 0
const freshDir = () => join(root, `m${++folders}`)

const result = (id: string, capability: Capability, status: CaseStatus, reason?: string): CaseResult => ({
  id,
  capability,
  title: `checks ${id}`,
  status,
  durationMs: 5,
  ...(reason === undefined ? {} : { reason }),
})

const report = (
  driver: string,
  version: string,
  capabilities: ReadonlyArray<Capability>,
  results: ReadonlyArray<CaseResult>,
): ConformanceReport => ({
  driver,
  version,
  capabilities,
  startedAt: "2026-01-01T00:00:00.000Z",
  durationMs: 10,
  results,
  ok: results.every((one) => one.status !== "failed"),
})

const fakeRun = report(
  "fake",
  "0.1.0",
  ["lifecycle", "vncConsole"],
  [
    result("lifecycle.start", "lifecycle", "passed"),
    result("console.vnc", "vncConsole", "passed"),
    result("snapshots.memory", "memorySnapshot", "skipped", "the driver does not declare memorySnapshot"),
  ],
)
const qemuRun = report(
  "qemu",
  "0.2.0",
  ["lifecycle", "memorySnapshot", "usbPassthrough"],
  [
    result("lifecycle.start", "lifecycle", "passed"),
    result("lifecycle.force-stop", "lifecycle", "failed", "force stop: qemu.shutdown: | no answer"),
    result("console.vnc", "vncConsole", "skipped", "the driver does not declare vncConsole"),
    result("snapshots.memory", "memorySnapshot", "passed"),
    result("passthrough.usb-hotplug", "usbPassthrough", "skipped", "not provable here: no free host USB device given"),
  ],
)

const rowOf = (markdown: string, start: string) => markdown.split("\n").find((line) => line.startsWith(start))

describe("support matrix", () => {
  it("H6 puts two drivers' separate runs side by side, in JSON and Markdown", () => {
    const dir = freshDir()
    writeSupportMatrix([fakeRun], dir)
    const { matrix, markdown } = writeSupportMatrix([qemuRun], dir)
    assert.deepEqual(Object.keys(matrix.drivers).sort(), ["fake", "qemu"])
    assert.equal(matrix.drivers.fake?.results["console.vnc"]?.status, "passed")
    assert.equal(matrix.drivers.qemu?.results["lifecycle.force-stop"]?.reason, "force stop: qemu.shutdown: | no answer")
    assert.deepEqual(readSupportMatrix(dir), matrix)

    const text = readFileSync(markdown, "utf8")
    assert.equal(rowOf(text, "| Capability | fake"), "| Capability | fake 0.1.0 | qemu 0.2.0 |")
    assert.match(rowOf(text, "| lifecycle | `lifecycle.start`") ?? "", /\| ✅ \| ✅ \|$/)
    assert.match(rowOf(text, "| lifecycle | `lifecycle.force-stop`") ?? "", /\| — \| ❌ \|$/)
    assert.match(rowOf(text, "| vncConsole | `console.vnc`") ?? "", /\| ✅ \| ➖ \|$/)
    assert.ok(text.includes("- **qemu** `lifecycle.force-stop`: force stop: qemu.shutdown: \\| no answer"))
  })

  it("H6 #19 summarises each capability per driver; a declared one without hardware here reads not provable", () => {
    const { markdown } = writeSupportMatrix([fakeRun, qemuRun], freshDir())
    const text = readFileSync(markdown, "utf8")
    assert.equal(rowOf(text, "| lifecycle |"), "| lifecycle | ✅ 1/1 | ❌ 1/2 |")
    assert.equal(rowOf(text, "| memorySnapshot |"), "| memorySnapshot | ➖ not declared | ✅ 1/1 |")
    assert.equal(rowOf(text, "| usbPassthrough |"), "| usbPassthrough | ➖ not declared | ⚠️ not provable here |")
    assert.match(rowOf(text, "| usbPassthrough | `passthrough.usb-hotplug`") ?? "", /\| — \| ⚠️ not provable here \|$/)
    assert.equal(rowOf(text, "| iso |"), "| iso | ➖ not declared | ➖ not declared |")
  })

  it("H6 a driver's new run replaces its column and leaves the others", () => {
    const dir = freshDir()
    writeSupportMatrix([fakeRun, qemuRun], dir)
    const rerun = report("fake", "0.1.1", ["lifecycle"], [result("lifecycle.start", "lifecycle", "failed", "broke")])
    const { matrix } = writeSupportMatrix([rerun], dir)
    assert.equal(matrix.drivers.fake?.version, "0.1.1")
    assert.deepEqual(Object.keys(matrix.drivers.fake?.results ?? {}), ["lifecycle.start"])
    assert.equal(matrix.drivers.qemu?.results["snapshots.memory"]?.status, "passed")
  })

  it("replaces a support-matrix.json that is not a matrix instead of failing the run", () => {
    const dir = freshDir()
    writeSupportMatrix([qemuRun], dir)
    writeFileSync(join(dir, "support-matrix.json"), "{ not json")
    assert.equal(readSupportMatrix(dir), undefined)
    const { matrix } = writeSupportMatrix([fakeRun], dir)
    assert.deepEqual(Object.keys(matrix.drivers), ["fake"])
  })

  it("H6 is generated from a real run: the rows carry the results the suite produced", async () => {
    const work = freshDir()
    const module = fakeConformance(work)
    const run = await Effect.runPromise(
      runConformance(module.factory, { ...module.config, only: ["lifecycle.start", "media.iso"] }),
    )
    const { matrix } = writeSupportMatrix([run], freshDir())
    const column = matrix.drivers.fake
    assert.deepEqual(
      Object.entries(column?.results ?? {}).map(([id, cell]) => [id, cell.status]),
      [
        ["lifecycle.start", "passed"],
        ["media.iso", "passed"],
        ["host.clean", "passed"],
      ],
    )
    assert.deepEqual(column?.capabilities, [...run.capabilities])
    assert.equal(matrix.rows[0]?.id, "lifecycle.define", "rows follow the suite's order, run or not")
  })

  it("#21 marks a partial run as partial in both formats: its counts never read as the capability's verdict", async () => {
    const work = freshDir()
    const module = fakeConformance(work)
    const run = await Effect.runPromise(runConformance(module.factory, { ...module.config, only: ["lifecycle.start"] }))
    assert.deepEqual(run.only, ["lifecycle.start"])
    const dir = freshDir()
    const { matrix, markdown } = writeSupportMatrix([run], dir)
    assert.deepEqual(matrix.drivers.fake?.only, ["lifecycle.start"])
    assert.deepEqual(readSupportMatrix(dir)?.drivers.fake?.only, ["lifecycle.start"])
    const text = readFileSync(markdown, "utf8")
    const lifecycleCases = matrix.rows.filter((row) => row.capability === "lifecycle" && row.id !== "host.clean").length
    assert.equal(rowOf(text, "| lifecycle |"), `| lifecycle | ✅ 1/1 (partial: 1 of ${lifecycleCases} cases run) |`)
    assert.equal(rowOf(text, "| diskSnapshot |"), "| diskSnapshot | — not run (partial run) |")
    assert.match(rowOf(text, "| Capability | fake") ?? "", /fake \S+ \(partial\) \|$/)
    assert.match(text, /\*\*partial run\*\*, only `lifecycle.start`/)
    // A full run's column carries no mark.
    const full = writeSupportMatrix([fakeRun], freshDir())
    assert.equal(full.matrix.drivers.fake?.only, undefined)
    assert.doesNotMatch(readFileSync(full.markdown, "utf8"), /partial/)
  })
})

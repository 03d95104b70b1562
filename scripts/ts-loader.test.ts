// The light test phase loads TypeScript through test-support/ts.mjs, not tsx (scripts/test.sh): code under it must
// behave as under tsx, where the heavy files, the agent's `hyperx` command and every spawned child still run.
import assert from "node:assert/strict"
import { execFile } from "node:child_process"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const run = promisify(execFile)
const root = fileURLToPath(new URL("../", import.meta.url))
const loaders = { tsx: "tsx", light: "./test-support/ts.mjs" } as const

/** `script` (an ES module) run by a fresh Node process with the given loader, from the checkout's root. */
const under = async (loader: string, script: string) =>
  (await run(process.execPath, ["--import", loader, "--input-type=module", "-e", script], { cwd: root })).stdout.trim()

describe("the light tests' TypeScript loader", () => {
  it("compiles as tsx does: the migrations' text, which names the test store's template, is the same", async () => {
    // The template's name hashes every migration's function text (core/store/testing.ts): a different compiler
    // option (whitespace, names, target) shows here, and would make each loader migrate a template of its own.
    const script = `const { migrations } = await import("./core/store/migrations/index.ts")
      const { createHash } = await import("node:crypto")
      const text = Object.values(migrations).map((m) => m.up.toString() + (m.down?.toString() ?? "")).join("\\n")
      console.log(Object.keys(migrations).length, createHash("sha256").update(text).digest("hex"))`
    const [tsx, light] = await Promise.all([under(loaders.tsx, script), under(loaders.light, script)])
    assert.match(light, /^\d+ [0-9a-f]{64}$/)
    assert.equal(light, tsx)
  })

  it("an error's stack names the .ts file and line, as under tsx", async () => {
    const script = `try { await import("./scripts/ts-loader.fixture.ts") } catch (error) { console.log(error.stack) }`
    const [tsx, light] = await Promise.all([under(loaders.tsx, script), under(loaders.light, script)])
    const frame = (stack: string) => stack.split("\n").find((line) => line.includes("ts-loader.fixture.ts"))
    assert.match(frame(light) ?? light, /scripts\/ts-loader\.fixture\.ts:7:\d+\)?$/)
    assert.equal(frame(light), frame(tsx))
  })
})

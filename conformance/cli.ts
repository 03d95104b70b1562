/**
 * Runs the conformance suite against a driver module:
 *   node --import tsx conformance/cli.ts <driver-module.ts> [--out dir] [--only case,case]
 * The module's default export is { factory, config } or a function returning it. Prints one line per case as it
 * finishes and a summary, writes the support matrix (merged with the one in --out), exits 1 if any case failed.
 */
import { parseArgs } from "node:util"
import { Effect } from "effect"
import { defaultMatrixDir, writeSupportMatrix } from "./matrix.ts"
import { loadConformanceModule } from "./module.ts"
import { type CaseResult, countByStatus } from "./report.ts"
import { runConformance, selectCases } from "./session.ts"

const usage = "usage: node --import tsx conformance/cli.ts <driver-module.ts> [--out dir] [--only case,case]"

const label = { passed: "pass", failed: "FAIL", skipped: "skip" } as const

const line = (result: CaseResult) => {
  const ms = result.durationMs
  const took = (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`).padStart(9)
  const why = result.reason === undefined ? "" : `  ${result.reason}`
  return `${label[result.status]}  ${result.id.padEnd(28)}${took}${why}`
}

const main = async (): Promise<number> => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { out: { type: "string" }, only: { type: "string" }, help: { type: "boolean", short: "h" } },
  })
  const modulePath = positionals[0]
  if (values.help || modulePath === undefined || positionals.length > 1) {
    console.error(usage)
    return values.help ? 0 : 2
  }
  const only = values.only
    ?.split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "")
  if (only) selectCases(only)

  const module = await loadConformanceModule(modulePath)
  const config = only ? { ...module.config, only } : module.config
  console.log(`conformance: ${modulePath}`)
  const report = await Effect.runPromise(
    runConformance(module.factory, config, { onResult: (result) => console.log(line(result)) }),
  ).finally(() => module.dispose?.())

  const counts = countByStatus(report.results)
  const written = writeSupportMatrix([report], values.out ?? defaultMatrixDir)
  console.log(
    `\n${report.driver} ${report.version}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped` +
      ` in ${(report.durationMs / 1000).toFixed(1)} s`,
  )
  console.log(`support matrix: ${written.markdown}, ${written.json}`)
  return report.ok ? 0 : 1
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error))
    process.exitCode = 2
  },
)

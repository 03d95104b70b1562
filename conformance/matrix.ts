import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Schema } from "effect"
import { capabilities } from "../core/driver/capabilities.ts"
import { conformanceCases } from "./cases/index.ts"
import { renderSupportMatrix } from "./matrix-markdown.ts"
import type { ConformanceReport } from "./report.ts"
import { hostCheck } from "./session.ts"

const Status = Schema.Literals(["passed", "failed", "skipped"])
const CapabilityName = Schema.Literals(capabilities)

const MatrixCell = Schema.Struct({
  status: Status,
  reason: Schema.optionalKey(Schema.String),
  durationMs: Schema.Number,
})

const DriverColumn = Schema.Struct({
  version: Schema.String,
  capabilities: Schema.Array(CapabilityName),
  ranAt: Schema.String,
  /** Present when the run was partial: the case ids it was limited to. */
  only: Schema.optionalKey(Schema.Array(Schema.String)),
  results: Schema.Record(Schema.String, MatrixCell),
})

const MatrixRow = Schema.Struct({ id: Schema.String, capability: CapabilityName, title: Schema.String })

/** The support matrix as support-matrix.json holds it: one column per driver, one row per case. */
export const SupportMatrix = Schema.Struct({
  format: Schema.Literal("hyperx-support-matrix/1"),
  rows: Schema.Array(MatrixRow),
  drivers: Schema.Record(Schema.String, DriverColumn),
})
export type SupportMatrix = typeof SupportMatrix.Type
export type MatrixRow = typeof MatrixRow.Type

const MatrixJson = Schema.fromJsonString(SupportMatrix)

export const defaultMatrixDir = "artifacts/conformance"

const knownRows: ReadonlyArray<MatrixRow> = [...conformanceCases, hostCheck].map(({ id, capability, title }) => ({
  id,
  capability,
  title,
}))

/** The suite's rows in run order, then any row only an older run knew. */
const mergeRows = (older: ReadonlyArray<MatrixRow>, reports: ReadonlyArray<ConformanceReport>) => {
  const rows = new Map(knownRows.map((row) => [row.id, row] as const))
  const extra = [...older, ...reports.flatMap((report) => report.results)].filter((row) => !rows.has(row.id))
  for (const row of extra) rows.set(row.id, { id: row.id, capability: row.capability, title: row.title })
  return [...rows.values()]
}

/** Adds the reports' columns to `matrix` (a driver's new run replaces its old column; other drivers stay). */
export const mergeIntoMatrix = (matrix: SupportMatrix | undefined, reports: ReadonlyArray<ConformanceReport>) => {
  const drivers = { ...(matrix?.drivers ?? {}) }
  for (const report of reports)
    drivers[report.driver] = {
      version: report.version,
      capabilities: [...report.capabilities],
      ranAt: report.startedAt,
      ...(report.only === undefined ? {} : { only: [...report.only] }),
      results: Object.fromEntries(
        report.results.map((result) => [
          result.id,
          {
            status: result.status,
            durationMs: result.durationMs,
            ...(result.reason === undefined ? {} : { reason: result.reason }),
          },
        ]),
      ),
    }
  const merged: SupportMatrix = {
    format: "hyperx-support-matrix/1",
    rows: mergeRows(matrix?.rows ?? [], reports),
    drivers,
  }
  return merged
}

/** The matrix in `dir`, or undefined when there is none or it is not one (it is generated: a bad one is replaced). */
export const readSupportMatrix = (dir: string): SupportMatrix | undefined => {
  const file = join(dir, "support-matrix.json")
  if (!existsSync(file)) return undefined
  const decoded = Schema.decodeUnknownExit(MatrixJson)(readFileSync(file, "utf8"))
  return decoded._tag === "Success" ? decoded.value : undefined
}

/**
 * Writes support-matrix.json and support-matrix.md into `dir`, merged with the matrix already there, so runs for
 * different drivers end up side by side.
 */
export const writeSupportMatrix = (
  reports: ReadonlyArray<ConformanceReport>,
  dir: string = defaultMatrixDir,
): { readonly json: string; readonly markdown: string; readonly matrix: SupportMatrix } => {
  const matrix = mergeIntoMatrix(readSupportMatrix(dir), reports)
  mkdirSync(dir, { recursive: true })
  const json = join(dir, "support-matrix.json")
  const markdown = join(dir, "support-matrix.md")
  writeFileSync(json, `${JSON.stringify(matrix, null, 2)}\n`)
  writeFileSync(markdown, renderSupportMatrix(matrix))
  return { json, markdown, matrix }
}

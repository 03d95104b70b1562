import type { Capability } from "../core/driver/capabilities.ts"

export type CaseStatus = "passed" | "failed" | "skipped"

/** One case's outcome; a failure or a skip always says why. */
export interface CaseResult {
  readonly id: string
  readonly title: string
  /** The capability that gates the case (the row group of the support matrix). */
  readonly capability: Capability
  readonly status: CaseStatus
  readonly reason?: string
  readonly durationMs: number
}

export interface ConformanceReport {
  readonly driver: string
  readonly version: string
  /** What the driver declared, sorted. */
  readonly capabilities: ReadonlyArray<Capability>
  readonly startedAt: string
  readonly durationMs: number
  /**
   * The case ids a partial run was limited to (`--only`, config `only`); absent for a full run. A partial run's
   * matrix column says so: its counts cover the cases run, not the capability.
   */
  readonly only?: ReadonlyArray<string>
  /** In run order; the host check ("host.clean") comes last. */
  readonly results: ReadonlyArray<CaseResult>
  /** No case failed. */
  readonly ok: boolean
}

export const countByStatus = (results: ReadonlyArray<CaseResult>): Record<CaseStatus, number> => ({
  passed: results.filter((result) => result.status === "passed").length,
  failed: results.filter((result) => result.status === "failed").length,
  skipped: results.filter((result) => result.status === "skipped").length,
})

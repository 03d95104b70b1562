import assert from "node:assert/strict"
import { after, before, describe, it } from "node:test"
import { Effect } from "effect"
import type { DriverFactory } from "../core/driver/driver.ts"
import type { ConformanceConfig } from "./config.ts"
import { defaultMatrixDir, writeSupportMatrix } from "./matrix.ts"
import type { CaseResult, ConformanceReport } from "./report.ts"
import { hostCheck, openConformanceSession, selectCases } from "./session.ts"

export interface DescribeConformanceOptions {
  /** Where to write the support matrix; null writes none. Default artifacts/conformance. */
  readonly matrixDir?: string | null
  /** Called with the report once the run is over (after the host check). */
  readonly onReport?: (report: ConformanceReport) => void
}

/** Fails the node:test test for a failed case, marks it skipped (with the reason) for a skipped one. */
const settle = (context: { skip: (message?: string) => void }, result: CaseResult) => {
  if (result.status === "skipped") context.skip(result.reason)
  if (result.status === "failed") assert.fail(`${result.id}: ${result.reason ?? "failed"}`)
}

/**
 * Registers the suite with node:test: one `describe` for the driver, one `it` per case in run order (a skipped case
 * shows as skipped with its reason), and a last `it` for the host check. The support matrix is written at the end.
 */
export const describeConformance = (
  name: string,
  factory: DriverFactory,
  config: ConformanceConfig,
  options: DescribeConformanceOptions = {},
): void => {
  const cases = selectCases(config.only)
  describe(`conformance: ${name}`, () => {
    let session: Awaited<ReturnType<typeof openConformanceSession>> | undefined
    let report: ConformanceReport | undefined

    const finish = async () => {
      if (!session) throw new Error("the conformance session did not open")
      report ??= await Effect.runPromise(session.finish)
      return report
    }

    before(async () => {
      session = await openConformanceSession(factory, config)
    })

    for (const spec of cases)
      it(`${spec.id}: ${spec.title}`, async (context) => {
        if (!session) throw new Error("the conformance session did not open")
        settle(context, await Effect.runPromise(session.runCase(spec)))
      })

    it(`${hostCheck.id}: ${hostCheck.title}`, async (context) => {
      const done = await finish()
      const host = done.results.find((result) => result.id === hostCheck.id)
      assert.ok(host, "the report has no host check")
      settle(context, host)
    })

    after(async () => {
      if (!session) return
      const done = await finish().finally(() => session?.close())
      const dir = options.matrixDir === undefined ? defaultMatrixDir : options.matrixDir
      if (dir !== null) writeSupportMatrix([done], dir)
      options.onReport?.(done)
    })
  })
}

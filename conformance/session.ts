import { rmSync } from "node:fs"
import { Effect, Exit, Scope } from "effect"
import { capabilities as allCapabilities, type Capability } from "../core/driver/capabilities.ts"
import type { Driver, DriverFactory } from "../core/driver/driver.ts"
import type { ConformanceCase } from "./case.ts"
import { conformanceCases } from "./cases/index.ts"
import { type ConformanceConfig, type ResolvedConfig, resolveConfig } from "./config.ts"
import { makeCaseContext } from "./context.ts"
import { type EventLog, makeEventLog } from "./event-log.ts"
import { describeCause } from "./failure.ts"
import type { CaseResult, ConformanceReport } from "./report.ts"
import { makeSharedGuest, type SharedGuest } from "./shared-guest.ts"
import { makeTracker, type ResourceTracker } from "./tracker.ts"

/** The last row of every run: nothing the suite made is left on the host. */
export const hostCheck = {
  id: "host.clean",
  capability: "lifecycle",
  title: "every domain, disk, snapshot, process and console socket the suite made is gone at the end",
} as const satisfies Pick<ConformanceCase, "id" | "capability" | "title">

/** The cases `only` names (all of them without it); an unknown id is a mistake in the caller's config. */
export const selectCases = (only: ReadonlyArray<string> | undefined): ReadonlyArray<ConformanceCase> => {
  if (only === undefined) return conformanceCases
  const unknown = only.filter((id) => id !== hostCheck.id && !conformanceCases.some((known) => known.id === id))
  if (unknown.length > 0)
    throw new Error(
      `unknown conformance case ${unknown.join(", ")}; known: ${conformanceCases.map((c) => c.id).join(", ")}`,
    )
  return conformanceCases.filter((known) => only.includes(known.id))
}

/** A run in progress: cases one at a time, then `finish` cleans up, checks the host and makes the report. */
export interface ConformanceSession {
  readonly cases: ReadonlyArray<ConformanceCase>
  readonly runCase: (spec: ConformanceCase) => Effect.Effect<CaseResult>
  /** Runs once; later calls return the same report. */
  readonly finish: Effect.Effect<ConformanceReport>
}

interface Ready {
  readonly driver: Driver
  readonly events: EventLog
  readonly shared: SharedGuest
}

const elapsedSince = (start: number) => Math.round(performance.now() - start)

/**
 * Builds the driver in the scope and prepares a run. Never fails: a driver that cannot be built fails every case.
 * Closing the scope cleans up whatever `finish` did not get to, then drops the driver instance.
 */
export const openConformance = (
  factory: DriverFactory,
  config: ConformanceConfig,
): Effect.Effect<ConformanceSession, never, Scope.Scope> =>
  Effect.gen(function* () {
    const resolved: ResolvedConfig = resolveConfig(config)
    const cases = selectCases(resolved.only)
    const startedAt = new Date()
    const started = performance.now()
    const tracker: ResourceTracker = makeTracker(resolved.workDir)
    const results: Array<CaseResult> = []

    const built = yield* Effect.exit(factory)
    const ready: Ready | string = Exit.isSuccess(built)
      ? yield* Effect.gen(function* () {
          const deps = { driver: built.value, factory, config: resolved, tracker }
          const events = yield* makeEventLog(built.value, resolved.timeouts)
          return { driver: built.value, events, shared: makeSharedGuest(makeCaseContext({ ...deps, events })) }
        })
      : `the driver could not be built: ${describeCause(built.cause)}`
    if (typeof ready !== "string") yield* Effect.addFinalizer(() => tracker.cleanup(ready.driver))

    const record = (result: CaseResult) => {
      results.push(result)
      return result
    }

    const runCase = (spec: ConformanceCase): Effect.Effect<CaseResult> =>
      Effect.gen(function* () {
        const base = { id: spec.id, title: spec.title, capability: spec.capability }
        const begun = performance.now()
        if (typeof ready === "string") return record({ ...base, status: "failed", reason: ready, durationMs: 0 })
        if (!ready.driver.capabilities.has(spec.capability))
          return record({
            ...base,
            status: "skipped",
            reason: `the driver does not declare ${spec.capability}`,
            durationMs: 0,
          })
        const notApplicable = spec.applies?.(ready.driver, resolved)
        if (notApplicable !== undefined)
          return record({ ...base, status: "skipped", reason: notApplicable, durationMs: 0 })
        const context = makeCaseContext({ ...ready, factory, config: resolved, tracker })
        const { caseMs } = resolved.timeouts
        const exit = yield* Effect.scoped(spec.run(context)).pipe(
          Effect.timeoutOrElse({
            duration: caseMs,
            orElse: () => Effect.die(new Error(`the case did not finish within ${caseMs} ms`)),
          }),
          Effect.exit,
        )
        // Checked whether the case failed or not, so that the next case never gets a guest this one broke.
        const broken = yield* ready.shared.settle(!Exit.isSuccess(exit))
        const durationMs = elapsedSince(begun)
        if (!Exit.isSuccess(exit))
          return record({ ...base, status: "failed", reason: describeCause(exit.cause), durationMs })
        return record(
          broken === undefined
            ? { ...base, status: "passed", durationMs }
            : {
                ...base,
                status: "failed",
                reason: `the case gave back the shared guest unfit for the next case: ${broken}`,
                durationMs,
              },
        )
      })

    const hostResult: Effect.Effect<CaseResult> = Effect.gen(function* () {
      const base: Omit<CaseResult, "status"> = { ...hostCheck, durationMs: 0 }
      if (typeof ready === "string") {
        rmSync(tracker.runDir, { recursive: true, force: true })
        return { ...base, status: "skipped" as const, reason: "no driver to check with" }
      }
      const begun = performance.now()
      yield* tracker.cleanup(ready.driver)
      const leftovers = yield* tracker.leftovers(ready.driver, resolved.timeouts.operationMs)
      const durationMs = elapsedSince(begun)
      return leftovers.length === 0
        ? { ...base, status: "passed" as const, durationMs }
        : { ...base, status: "failed" as const, reason: `left on the host: ${leftovers.join("; ")}`, durationMs }
    })

    const finish = yield* Effect.cached(
      Effect.gen(function* () {
        record(yield* hostResult)
        const driver = typeof ready === "string" ? undefined : ready.driver
        const report: ConformanceReport = {
          driver: driver?.name ?? "(not built)",
          version: driver?.version ?? "",
          capabilities: allCapabilities.filter((capability: Capability) => driver?.capabilities.has(capability)),
          startedAt: startedAt.toISOString(),
          durationMs: elapsedSince(started),
          ...(resolved.only === undefined ? {} : { only: [...resolved.only] }),
          results: [...results],
          ok: results.every((result) => result.status !== "failed"),
        }
        return report
      }),
    )

    return { cases, runCase, finish }
  })

/** Runs the selected cases against a driver built from `factory`; never fails, the report says what did. */
export const runConformance = (
  factory: DriverFactory,
  config: ConformanceConfig,
  options: { readonly onResult?: (result: CaseResult) => void } = {},
): Effect.Effect<ConformanceReport> =>
  Effect.scoped(
    Effect.gen(function* () {
      const session = yield* openConformance(factory, config)
      for (const spec of session.cases) {
        const result = yield* session.runCase(spec)
        options.onResult?.(result)
      }
      const report = yield* session.finish
      const last = report.results.at(-1)
      if (last) options.onResult?.(last)
      return report
    }),
  )

/** For callers outside Effect (the node:test adapter): a session whose scope they close themselves. */
export const openConformanceSession = async (
  factory: DriverFactory,
  config: ConformanceConfig,
): Promise<ConformanceSession & { readonly close: () => Promise<void> }> => {
  const scope = await Effect.runPromise(Scope.make())
  const session = await Effect.runPromise(Scope.provide(scope)(openConformance(factory, config)))
  return { ...session, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

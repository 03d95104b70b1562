import type { Effect, Scope } from "effect"
import type { Capability } from "../core/driver/capabilities.ts"
import type { Driver } from "../core/driver/driver.ts"
import type { ResolvedConfig } from "./config.ts"
import type { CaseContext } from "./context.ts"
import type { CaseFailure } from "./failure.ts"

/**
 * One conformance case. It runs only when the driver declares `capability`; it is then a failure, never a skip, if
 * the driver cannot do it. Whatever it makes it registers in the case's scope and with the tracker.
 */
export interface ConformanceCase {
  /** "family.name", stable: the support matrix and `--only` use it. */
  readonly id: string
  readonly capability: Capability
  /** What the case checks, as a sentence a driver author can act on. */
  readonly title: string
  /**
   * For a case that checks an optional part of its capability (a group the contract lets a driver leave out): the
   * reason to skip it when this driver has not got that part, else undefined.
   */
  readonly applies?: (driver: Driver, config: ResolvedConfig) => string | undefined
  readonly run: (t: CaseContext) => Effect.Effect<void, CaseFailure, Scope.Scope>
}

export const defineCase = (spec: ConformanceCase): ConformanceCase => spec

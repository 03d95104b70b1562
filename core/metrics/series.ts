import { Duration, Effect } from "effect"
import { InvalidInput } from "../errors.ts"
import { now } from "../operations/clock.ts"
import { loadVisibleVm } from "../operations/vm-context.ts"
import type { Actor } from "../rules/context.ts"
import { Store } from "../store/ports.ts"
import { defaultMetricsPolicy, type MetricsPolicy } from "./policy.ts"
import { type MetricSample, type MetricTier, memoryPercent } from "./sample.ts"

export interface SeriesQuery {
  /** Default: an hour before `to`. */
  readonly from?: Date
  /** Default: now. */
  readonly to?: Date
  /** Default: raw while the range lies within the raw retention and spans at most a day, else 5m. */
  readonly tier?: MetricTier
}

/** Column arrays, one entry per point, as a chart (uPlot) takes them; `at` in Unix seconds. */
export interface MetricSeries {
  readonly vmId: string
  readonly tier: MetricTier
  readonly stepSeconds: number
  readonly from: Date
  readonly to: Date
  readonly at: ReadonlyArray<number>
  readonly cpuPercent: ReadonlyArray<number | null>
  readonly memoryPercent: ReadonlyArray<number | null>
  readonly memoryUsedBytes: ReadonlyArray<number | null>
  readonly diskReadBps: ReadonlyArray<number | null>
  readonly diskWriteBps: ReadonlyArray<number | null>
  readonly netRxBps: ReadonlyArray<number | null>
  readonly netTxBps: ReadonlyArray<number | null>
  readonly diskUsedPercent: ReadonlyArray<number | null>
}

/** The longest range one request may ask for: the rolled-up tier's default retention. */
const longestRange = Duration.days(31)

const columns = (samples: ReadonlyArray<MetricSample>) => ({
  at: samples.map((s) => Math.floor(s.at.getTime() / 1000)),
  cpuPercent: samples.map((s) => s.cpuPercent),
  memoryPercent: samples.map(memoryPercent),
  memoryUsedBytes: samples.map((s) => s.memoryUsedBytes),
  diskReadBps: samples.map((s) => s.diskReadBps),
  diskWriteBps: samples.map((s) => s.diskWriteBps),
  netRxBps: samples.map((s) => s.netRxBps),
  netTxBps: samples.map((s) => s.netTxBps),
  diskUsedPercent: samples.map((s) => s.diskUsedPercent),
})

/**
 * The raw tier's step as the samples show it (the operator may have changed the interval), else the policy's; in
 * whole seconds, as `at` is: the collector's rounds drift by milliseconds, and a client shows the step to people
 * (M1: "每 30 秒更新", not 30.009).
 */
const rawStep = (samples: ReadonlyArray<MetricSample>, policy: MetricsPolicy): number => {
  const gaps = samples.slice(1).map((s, i) => (s.at.getTime() - (samples[i]?.at.getTime() ?? 0)) / 1000)
  const positive = gaps.filter((gap) => gap > 0)
  return positive.length === 0 ? Duration.toSeconds(policy.interval) : Math.max(1, Math.round(Math.min(...positive)))
}

/** M1: a VM's usage over a time range, for those who may see the VM (G1: others get NotFound). */
export const vmMetrics = Effect.fn("metrics.vmMetrics")(function* (
  actor: Actor,
  vmId: string,
  query: SeriesQuery = {},
  policy: MetricsPolicy = defaultMetricsPolicy,
) {
  const store = yield* Store
  yield* loadVisibleVm(actor, vmId)
  const at = yield* now
  const to = query.to ?? at
  const from = query.from ?? new Date(to.getTime() - 3_600_000)
  if (from >= to) return yield* new InvalidInput({ message: "from must be before to" })
  if (to.getTime() - from.getTime() > Duration.toMillis(longestRange)) {
    return yield* new InvalidInput({ message: "A metrics range spans at most 31 days" })
  }
  const rawSince = at.getTime() - Duration.toMillis(policy.rawRetention)
  const tier: MetricTier =
    query.tier ?? (from.getTime() >= rawSince && to.getTime() - from.getTime() <= 86_400_000 ? "raw" : "5m")
  const samples = yield* store.metrics.series(vmId, tier, from, to)
  const series: MetricSeries = {
    vmId,
    tier,
    stepSeconds: tier === "raw" ? rawStep(samples, policy) : 300,
    from,
    to,
    ...columns(samples),
  }
  return series
})

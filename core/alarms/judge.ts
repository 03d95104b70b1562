import { type MetricSample, memoryPercent } from "../metrics/sample.ts"
import type { AlarmMetric } from "../model/extras.ts"

/** The figure a rule watches, in percent; null when the sample does not carry it. */
export const metricValue = (metric: AlarmMetric, sample: MetricSample): number | null => {
  switch (metric) {
    case "cpu":
      return sample.cpuPercent
    case "memory":
      return memoryPercent(sample)
    case "disk":
      return sample.diskUsedPercent
  }
}

export type Verdict =
  | { readonly _tag: "fire"; readonly valuePercent: number }
  | { readonly _tag: "recover"; readonly valuePercent: number }
  | { readonly _tag: "hold" }

const hold: Verdict = { _tag: "hold" }

/**
 * R1, M2, pure: an alarm fires when every sample of the last `durationMinutes` is at or above the threshold, and
 * recovers when every one is below it; anything between holds the alarm where it is, so a value around the threshold
 * sends no stream of mails. The window must be covered: its oldest sample no later than one interval and a half
 * after the window's start (a VM that just started, or a collector that was away, decides nothing yet).
 */
export const judge = (input: {
  readonly metric: AlarmMetric
  readonly thresholdPercent: number
  readonly durationMinutes: number
  readonly firing: boolean
  readonly now: Date
  readonly intervalMs: number
  /** The VM's raw samples in the window, oldest first. */
  readonly samples: ReadonlyArray<MetricSample>
}): Verdict => {
  const windowStart = input.now.getTime() - input.durationMinutes * 60_000
  const inWindow = input.samples.filter((s) => s.at.getTime() >= windowStart && s.at <= input.now)
  const first = inWindow[0]
  if (first === undefined || first.at.getTime() > windowStart + 1.5 * input.intervalMs) return hold
  const values = inWindow.map((s) => metricValue(input.metric, s))
  if (values.some((v) => v === null)) return hold
  const known = values as ReadonlyArray<number>
  const latest = known[known.length - 1] ?? 0
  if (!input.firing && known.every((v) => v >= input.thresholdPercent)) return { _tag: "fire", valuePercent: latest }
  if (input.firing && known.every((v) => v < input.thresholdPercent)) return { _tag: "recover", valuePercent: latest }
  return hold
}

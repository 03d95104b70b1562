/** Nearest-rank percentile of a sample (p in 0..100). */
export const percentile = (samples: ReadonlyArray<number>, p: number): number => {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1] ?? Number.NaN
}

const round = (ms: number) => Math.round(ms * 100) / 100

/** The figures the bench reports for a set of request durations, in milliseconds. */
export const summarise = (samples: ReadonlyArray<number>) => ({
  requests: samples.length,
  p50Ms: round(percentile(samples, 50)),
  p99Ms: round(percentile(samples, 99)),
  maxMs: round(Math.max(...samples)),
  meanMs: round(samples.reduce((sum, ms) => sum + ms, 0) / samples.length),
})

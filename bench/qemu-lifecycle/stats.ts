/** The middle value (the mean of the two middle ones for an even count). */
export const median = (samples: ReadonlyArray<number>): number => {
  const sorted = [...samples].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

export interface Measure {
  readonly what: string
  readonly hyperxMs: Array<number>
  readonly rawMs: Array<number>
}

const round = (value: number) => Math.round(value * 10) / 10

/** Samples, medians and hyperx ÷ raw for one measure. */
export const summarise = (measure: Measure) => {
  const hyperxMedianMs = median(measure.hyperxMs)
  const rawMedianMs = median(measure.rawMs)
  return {
    what: measure.what,
    hyperxMs: measure.hyperxMs.map(round),
    rawMs: measure.rawMs.map(round),
    hyperxMedianMs: round(hyperxMedianMs),
    rawMedianMs: round(rawMedianMs),
    ratio: rawMedianMs > 0 ? Math.round((hyperxMedianMs / rawMedianMs) * 1000) / 1000 : null,
    // Each run measures both sides back to back: the median of those ratios shrugs off a host getting busier.
    pairedRatioMedian:
      Math.round(median(measure.hyperxMs.map((ms, run) => ms / (measure.rawMs[run] ?? Number.NaN))) * 1000) / 1000,
  }
}

/** Time of an async step, in milliseconds. */
export const timed = async (step: () => Promise<unknown>): Promise<number> => {
  const start = performance.now()
  await step()
  return performance.now() - start
}

import { memoryUsage } from "node:process"

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10

/** `gc()` when node runs with --expose-gc. */
const collect = (globalThis as { gc?: () => void }).gc

/**
 * The agent's memory while `work` runs: resident set and JS heap sampled every 10 ms, reported as peak growth over
 * the figures just before (MiB). V8 lets garbage pile up before a full collection (up to a few times the live heap),
 * so the peak counts garbage too; with --expose-gc the heap is also collected before and after, and
 * `retainedGrowthMiB` is what the work left behind. The bench runs the agent in its own process, so the client's
 * side of the work must not hold what it reads (the export's body is counted and dropped).
 */
export const memoryGrowth = async <A>(work: () => Promise<A>) => {
  collect?.()
  const before = memoryUsage()
  let peakRss = before.rss
  let peakHeap = before.heapUsed
  const sampler = setInterval(() => {
    const now = memoryUsage()
    peakRss = Math.max(peakRss, now.rss)
    peakHeap = Math.max(peakHeap, now.heapUsed)
  }, 10)
  try {
    const result = await work()
    collect?.()
    return {
      result,
      memory: {
        rssBeforeMiB: mib(before.rss),
        rssGrowthMiB: mib(peakRss - before.rss),
        heapGrowthMiB: mib(peakHeap - before.heapUsed),
        retainedGrowthMiB: collect === undefined ? null : mib(memoryUsage().heapUsed - before.heapUsed),
      },
    }
  } finally {
    clearInterval(sampler)
  }
}

import { memoryUsage } from "node:process"

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10

/**
 * The agent's memory while `work` runs: resident set and JS heap sampled every 10 ms, reported as growth over the
 * figures just before (MiB). The bench runs the agent in its own process, so the client's side of the work must
 * not hold what it reads (the export's body is counted and dropped).
 */
export const memoryGrowth = async <A>(work: () => Promise<A>) => {
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
    return {
      result,
      memory: {
        rssBeforeMiB: mib(before.rss),
        rssGrowthMiB: mib(peakRss - before.rss),
        heapGrowthMiB: mib(peakHeap - before.heapUsed),
      },
    }
  } finally {
    clearInterval(sampler)
  }
}

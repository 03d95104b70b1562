import type { MetricTier } from "../metrics/sample.ts"

export interface MetricSamplesTable {
  vmId: string
  tier: MetricTier
  at: Date
  samples: number
  cpuPercent: number | null
  memoryUsedBytes: number | null
  memoryTotalBytes: number | null
  diskReadBps: number | null
  diskWriteBps: number | null
  netRxBps: number | null
  netTxBps: number | null
  diskUsedPercent: number | null
}

import { Schema } from "effect"
import type { VmStats } from "../driver/driver.ts"

/** `raw`: one row per collector interval, kept a day; `5m`: five-minute averages, kept a month (M1). */
export const MetricTier = Schema.Literals(["raw", "5m"])
export type MetricTier = typeof MetricTier.Type

/** One VM's usage at one moment: rates per second, so that averaging rows is a fair roll-up. null: not known. */
export interface MetricSample {
  readonly vmId: string
  readonly at: Date
  readonly cpuPercent: number | null
  readonly memoryUsedBytes: number | null
  readonly memoryTotalBytes: number | null
  readonly diskReadBps: number | null
  readonly diskWriteBps: number | null
  readonly netRxBps: number | null
  readonly netTxBps: number | null
  /** File systems' used share, from the guest agent when monitoring is installed. */
  readonly diskUsedPercent: number | null
}

/** The counters a rate is computed from, kept by the collector between two samples of one VM. */
export interface Counters {
  readonly at: Date
  readonly diskRead: number
  readonly diskWrite: number
  readonly netRx: number | null
  readonly netTx: number | null
}

const sum = (values: ReadonlyArray<number>) => values.reduce((total, value) => total + value, 0)

export const countersOf = (stats: VmStats, at: Date): Counters => ({
  at,
  diskRead: sum(stats.disks.map((d) => d.readBytes)),
  diskWrite: sum(stats.disks.map((d) => d.writeBytes)),
  netRx: stats.nics === undefined ? null : sum(stats.nics.map((n) => n.rxBytes)),
  netTx: stats.nics === undefined ? null : sum(stats.nics.map((n) => n.txBytes)),
})

/** Bytes per second between two readings; null with no earlier reading, or when a counter went back (a restart). */
const rate = (now: number | null, before: number | null | undefined, seconds: number): number | null =>
  now === null || before === null || before === undefined || seconds <= 0 || now < before
    ? null
    : (now - before) / seconds

/** A sample from the driver's stats and the VM's previous counters (pure). */
export const sampleOf = (
  vmId: string,
  stats: VmStats,
  at: Date,
  previous: Counters | undefined,
  diskUsedPercent: number | null,
): { readonly sample: MetricSample; readonly counters: Counters } => {
  const counters = countersOf(stats, at)
  const seconds = previous === undefined ? 0 : (at.getTime() - previous.at.getTime()) / 1000
  return {
    counters,
    sample: {
      vmId,
      at,
      cpuPercent: stats.cpuPercent,
      memoryUsedBytes: stats.memoryUsedBytes,
      memoryTotalBytes: stats.memoryTotalBytes,
      diskReadBps: rate(counters.diskRead, previous?.diskRead, seconds),
      diskWriteBps: rate(counters.diskWrite, previous?.diskWrite, seconds),
      netRxBps: rate(counters.netRx, previous?.netRx, seconds),
      netTxBps: rate(counters.netTx, previous?.netTx, seconds),
      diskUsedPercent,
    },
  }
}

/** The memory share in percent, or null when the total is not known. */
export const memoryPercent = (sample: Pick<MetricSample, "memoryUsedBytes" | "memoryTotalBytes">): number | null =>
  sample.memoryUsedBytes === null || sample.memoryTotalBytes === null || sample.memoryTotalBytes <= 0
    ? null
    : (sample.memoryUsedBytes / sample.memoryTotalBytes) * 100

import { Schema } from "effect"
import { MetricTier } from "../../core/metrics/index.ts"
import { IsoDateTime, Text } from "../validation/schemas.ts"

export const MetricsQuery = Schema.Struct({
  from: Schema.optionalKey(IsoDateTime.annotate({ description: "Start (inclusive); default an hour before `to`" })),
  to: Schema.optionalKey(IsoDateTime.annotate({ description: "End (exclusive); default now" })),
  tier: Schema.optionalKey(
    MetricTier.annotate({
      description:
        "raw (the collector's interval, kept a day) or 5m (averages, kept a month); default: chosen by range",
    }),
  ),
  lang: Schema.optionalKey(Text(35)),
})

const Column = (description: string) => Schema.Array(Schema.NullOr(Schema.Finite)).annotate({ description })

/** Column arrays, one entry per point: what a uPlot chart takes as its data. */
export const MetricSeriesSchema = Schema.Struct({
  vmId: Schema.String,
  tier: MetricTier,
  stepSeconds: Schema.Finite.annotate({ description: "Seconds between two points of this tier" }),
  from: Schema.String,
  to: Schema.String,
  at: Schema.Array(Schema.Finite).annotate({ description: "Each point's time, Unix seconds" }),
  cpuPercent: Column("CPU use, % of the VM's vCPUs"),
  memoryPercent: Column("Memory used, % of the guest's memory"),
  memoryUsedBytes: Column("Memory used, bytes"),
  diskReadBps: Column("Disk reads, bytes per second (all disks)"),
  diskWriteBps: Column("Disk writes, bytes per second (all disks)"),
  netRxBps: Column("Network received, bytes per second (all NICs); null where the driver cannot tell"),
  netTxBps: Column("Network sent, bytes per second (all NICs)"),
  diskUsedPercent: Column("File systems used, % (guest agent; null without monitoring installed)"),
}).annotate({ identifier: "MetricSeries" })

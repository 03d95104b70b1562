import { type Kysely, sql } from "kysely"
import type { MetricSample, MetricTier } from "../metrics/sample.ts"
import type { MetricsRepository } from "./ports.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"

const figures = [
  "cpuPercent",
  "memoryUsedBytes",
  "memoryTotalBytes",
  "diskReadBps",
  "diskWriteBps",
  "netRxBps",
  "netTxBps",
  "diskUsedPercent",
] as const

/** Five minutes, the `5m` tier's bucket. */
export const rollupSeconds = 300

export const makeMetricsRepository = (db: Kysely<DB>): MetricsRepository => ({
  insertRaw: (samples) =>
    samples.length === 0
      ? run("metrics.insertRaw", async () => undefined)
      : run("metrics.insertRaw", async () => {
          await db
            .insertInto("metricSamples")
            .values(samples.map((sample) => ({ ...sample, tier: "raw" as const, samples: 1 })))
            .onConflict((oc) => oc.columns(["vmId", "tier", "at"]).doNothing())
            .execute()
        }),

  series: (vmId, tier, from, to) =>
    run("metrics.series", async () => {
      const rows = await db
        .selectFrom("metricSamples")
        .select(["vmId", "at", ...figures])
        .where("vmId", "=", vmId)
        .where("tier", "=", tier)
        .where("at", ">=", from)
        .where("at", "<", to)
        .orderBy("at")
        .execute()
      return rows satisfies ReadonlyArray<MetricSample>
    }),

  latest: (since) =>
    run("metrics.latest", async () => {
      const rows = await db
        .selectFrom("metricSamples")
        .distinctOn("vmId")
        .select(["vmId", "at", ...figures])
        .where("tier", "=", "raw")
        .where("at", ">=", since)
        .orderBy("vmId")
        .orderBy("at", "desc")
        .execute()
      return rows satisfies ReadonlyArray<MetricSample>
    }),

  // Averages of every figure per five-minute bucket that has ended; recomputed from raw when run again, so a
  // bucket that got a late sample is corrected and a second run changes nothing.
  rollUp: (from, until) =>
    run("metrics.rollUp", async () => {
      const bucket = sql<Date>`date_bin(${sql.lit(`${rollupSeconds} seconds`)}::interval, at, timestamptz 'epoch')`
      const result = await db
        .insertInto("metricSamples")
        .columns(["vmId", "tier", "at", "samples", ...figures])
        .expression((eb) =>
          eb
            .selectFrom("metricSamples")
            .select([
              "vmId",
              sql.lit("5m").as("tier"),
              bucket.as("at"),
              sql<number>`count(*)::int`.as("samples"),
              ...figures.map((figure) => eb.fn.avg(figure).as(figure)),
            ])
            .where("tier", "=", "raw")
            .where(bucket, ">=", from)
            .where(sql<Date>`${bucket} + ${sql.lit(`${rollupSeconds} seconds`)}::interval`, "<=", until)
            .groupBy(["vmId", bucket]),
        )
        .onConflict((oc) =>
          oc.columns(["vmId", "tier", "at"]).doUpdateSet((eb) => ({
            samples: eb.ref("excluded.samples"),
            ...Object.fromEntries(figures.map((figure) => [figure, eb.ref(`excluded.${figure}`)])),
          })),
        )
        .executeTakeFirst()
      return Number(result.numInsertedOrUpdatedRows ?? 0)
    }),

  prune: (tier: MetricTier, before) =>
    run("metrics.prune", async () => {
      const result = await db
        .deleteFrom("metricSamples")
        .where("tier", "=", tier)
        .where("at", "<", before)
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    }),
})

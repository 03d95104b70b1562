import type { Kysely } from "kysely"
import type { DailyCost } from "../cost/daily.ts"
import type { HoldingRecord } from "../cost/holding.ts"
import type { CostRepository } from "./ports.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"

const costColumns = ["vmId", "day", "flavor", "storage", "image", "publicIp", "services", "gpu", "total"] as const

export const makeCostRepository = (db: Kysely<DB>): CostRepository => ({
  latestHoldings: () =>
    run("costs.latestHoldings", async () => {
      const rows = await db
        .selectFrom("vmHoldings")
        .distinctOn("vmId")
        .selectAll()
        .orderBy("vmId")
        .orderBy("since", "desc")
        .execute()
      return rows satisfies ReadonlyArray<HoldingRecord>
    }),

  insertHoldings: (records) =>
    run("costs.insertHoldings", async () => {
      if (records.length === 0) return
      await db
        .insertInto("vmHoldings")
        .values(records.map((r) => ({ ...r, holding: r.holding === null ? null : JSON.stringify(r.holding) })))
        .onConflict((oc) => oc.columns(["vmId", "since"]).doNothing())
        .execute()
    }),

  // Every record that bears on [start, end): those inside it, and each VM's last one before it (its state at start).
  holdingsBetween: (start, end, vmId) =>
    run("costs.holdingsBetween", async () => {
      let before = db
        .selectFrom("vmHoldings")
        .distinctOn("vmId")
        .selectAll()
        .where("since", "<=", start)
        .orderBy("vmId")
        .orderBy("since", "desc")
      let inside = db.selectFrom("vmHoldings").selectAll().where("since", ">", start).where("since", "<", end)
      if (vmId !== undefined) {
        before = before.where("vmId", "=", vmId)
        inside = inside.where("vmId", "=", vmId)
      }
      const [a, b] = await Promise.all([before.execute(), inside.execute()])
      return [...a, ...b].sort(
        (x, y) => x.vmId.localeCompare(y.vmId) || x.since.getTime() - y.since.getTime(),
      ) satisfies ReadonlyArray<HoldingRecord>
    }),

  upsertDaily: (rows, computedAt) =>
    run("costs.upsertDaily", async () => {
      if (rows.length === 0) return
      await db
        .insertInto("vmDailyCosts")
        .values(rows.map((r) => ({ ...r, computedAt })))
        .onConflict((oc) =>
          oc.columns(["vmId", "day"]).doUpdateSet((eb) => ({
            flavor: eb.ref("excluded.flavor"),
            storage: eb.ref("excluded.storage"),
            image: eb.ref("excluded.image"),
            publicIp: eb.ref("excluded.publicIp"),
            services: eb.ref("excluded.services"),
            gpu: eb.ref("excluded.gpu"),
            total: eb.ref("excluded.total"),
            computedAt: eb.ref("excluded.computedAt"),
          })),
        )
        .execute()
    }),

  daily: (vmId, fromDay, toDay) =>
    run("costs.daily", async () => {
      const rows = await db
        .selectFrom("vmDailyCosts")
        .select([...costColumns])
        .where("vmId", "=", vmId)
        .where("day", ">=", fromDay)
        .where("day", "<=", toDay)
        .orderBy("day")
        .execute()
      return rows satisfies ReadonlyArray<DailyCost>
    }),
})

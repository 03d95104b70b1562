import { type Kysely, sql } from "kysely"
import type { ReclaimCandidate, ReclaimStep } from "../reclaim/model.ts"
import type { ReclaimNoticeRepository } from "./ports.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"

export const makeReclaimNoticeRepository = (db: Kysely<DB>): ReclaimNoticeRepository => ({
  insert: (notice) =>
    run("reclaimNotices.insert", async () => {
      await db
        .insertInto("reclaimNotices")
        .values({ ...notice, recipients: JSON.stringify(notice.recipients) })
        .onConflict((c) => c.columns(["vmId", "reclaimAt", "step"]).doNothing())
        .execute()
      return notice
    }),
  due: (now) =>
    run("reclaimNotices.due", async () => {
      // Served by vms_reclaim_at_idx: VMs with a date, not in the recycle bin, inside their department's notice window.
      const rows = await db
        .selectFrom("vms")
        .innerJoin("departments", "departments.id", "vms.departmentId")
        .leftJoin("reclaimNotices", (join) =>
          join.onRef("reclaimNotices.vmId", "=", "vms.id").onRef("reclaimNotices.reclaimAt", "=", "vms.reclaimAt"),
        )
        .select([
          "vms.id as vmId",
          "vms.reclaimAt",
          "departments.reclaimPolicy as policy",
          "departments.reclaimNoticeDays as noticeDays",
          sql<
            ReadonlyArray<ReclaimStep>
          >`coalesce(array_agg(reclaim_notices.step) filter (where reclaim_notices.step is not null), '{}')`.as("done"),
        ])
        .where("vms.reclaimAt", "is not", null)
        .where("vms.recycledAt", "is", null)
        .where(sql<boolean>`vms.reclaim_at - make_interval(days => departments.reclaim_notice_days) <= ${now}`)
        .groupBy(["vms.id", "departments.id"])
        .orderBy("vms.reclaimAt")
        .execute()
      return rows.flatMap((row) =>
        row.reclaimAt === null ? [] : [{ ...row, reclaimAt: row.reclaimAt } satisfies ReclaimCandidate],
      )
    }),
})

import type { Kysely } from "kysely"
import type { AlarmEvent } from "../alarms/model.ts"
import type { AlarmEventRepository } from "./ports.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"

export const makeAlarmEventRepository = (db: Kysely<DB>): AlarmEventRepository => ({
  insert: (event) =>
    run("alarmEvents.insert", async () => {
      await db
        .insertInto("alarmEvents")
        .values({ ...event, recipients: JSON.stringify(event.recipients) })
        .execute()
      return event
    }),
  list: (filter) =>
    run("alarmEvents.list", async () => {
      let query = db.selectFrom("alarmEvents").selectAll().orderBy("at", "desc").orderBy("id").limit(filter.limit)
      if (filter.vmId !== undefined) query = query.where("vmId", "=", filter.vmId)
      if (filter.ruleId !== undefined) query = query.where("ruleId", "=", filter.ruleId)
      return (await query.execute()) satisfies ReadonlyArray<AlarmEvent>
    }),
  latestByRule: (ruleIds) =>
    ruleIds.length === 0
      ? run("alarmEvents.latestByRule", async () => [])
      : run("alarmEvents.latestByRule", async () => {
          const rows = await db
            .selectFrom("alarmEvents")
            .distinctOn("ruleId")
            .selectAll()
            .where("ruleId", "in", ruleIds)
            .orderBy("ruleId")
            .orderBy("at", "desc")
            .execute()
          return rows satisfies ReadonlyArray<AlarmEvent>
        }),
})

import type { Kysely } from "kysely"
import type { ClusterSettingsRepository, StoredClusterSettings } from "./ports.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"

const columns = ["suspectAfterSeconds", "downAfterSeconds", "stoppedVms", "setByHostId", "updatedAt"] as const

export const makeClusterSettingsRepository = (db: Kysely<DB>): ClusterSettingsRepository => ({
  get: () =>
    run("clusterSettings.get", () =>
      db.selectFrom("clusterSettings").select(columns).where("id", "=", "cluster").executeTakeFirst(),
    ),
  // Two agents starting at once: the first insert wins, the second reads the winner's row and compares with it.
  setIfAbsent: (values: StoredClusterSettings) =>
    run("clusterSettings.setIfAbsent", async () => {
      await db
        .insertInto("clusterSettings")
        .values({ id: "cluster", ...values })
        .onConflict((c) => c.column("id").doNothing())
        .execute()
      return db.selectFrom("clusterSettings").select(columns).where("id", "=", "cluster").executeTakeFirstOrThrow()
    }),
  set: (values: StoredClusterSettings) =>
    run("clusterSettings.set", async () => {
      await db
        .insertInto("clusterSettings")
        .values({ id: "cluster", ...values })
        .onConflict((c) => c.column("id").doUpdateSet(values))
        .execute()
      return values
    }),
})

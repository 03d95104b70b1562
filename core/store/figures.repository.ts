import { type Kysely, sql } from "kysely"
import type { FiguresRepository } from "./ports.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"

/** Counts for the Prometheus exposition, each one grouped query the database answers from its indexes. */
export const makeFiguresRepository = (db: Kysely<DB>): FiguresRepository => ({
  tasks: () =>
    run("figures.tasks", () =>
      db
        .selectFrom("tasks")
        .select(["operation", "state", sql<number>`count(*)::int`.as("count")])
        .groupBy(["operation", "state"])
        .execute(),
    ),
  vms: () =>
    run("figures.vms", () =>
      db
        .selectFrom("vms")
        .select(["state", sql<number>`count(*)::int`.as("count")])
        .where("recycledAt", "is", null)
        .groupBy("state")
        .execute(),
    ),
  hosts: () =>
    run("figures.hosts", () =>
      db
        .selectFrom("hosts")
        .leftJoin("vms", (join) => join.onRef("vms.hostId", "=", "hosts.id").on("vms.recycledAt", "is", null))
        .select([
          "hosts.id",
          "hosts.name",
          "hosts.cpus",
          "hosts.memoryMiB",
          sql<number>`coalesce(sum(vms.cpus), 0)::int`.as("allocatedCpus"),
          sql<number>`coalesce(sum(vms.memory_mib), 0)::int`.as("allocatedMemoryMiB"),
          sql<number>`count(vms.id)::int`.as("vms"),
        ])
        .groupBy(["hosts.id", "hosts.name", "hosts.cpus", "hosts.memoryMiB"])
        .orderBy("hosts.name")
        .execute(),
    ),
})

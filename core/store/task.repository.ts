import { Effect } from "effect"
import type { Kysely } from "kysely"
import { NotFound } from "../errors.ts"
import { Task } from "../model/index.ts"
import { codecOf } from "./codec.ts"
import type { LockRef, TaskFilter, TaskRepository } from "./ports.ts"
import { makeRepository } from "./repository.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"

const taskCodec = codecOf(Task, { json: ["params", "result", "error"] })

export const makeTaskRepository = (db: Kysely<DB>): TaskRepository => {
  const { get, insert, update } = makeRepository<Task>(db, { table: "tasks", resource: "task", codec: taskCodec })

  // G4: newest first.
  const list = Effect.fn("task.list")(function* (filter: TaskFilter = {}) {
    if (filter.states?.length === 0) return []
    const rows = yield* run("task.list", () => {
      let query = db.selectFrom("tasks").selectAll()
      if (filter.vmId !== undefined) query = query.where("vmId", "=", filter.vmId)
      if (filter.parentId !== undefined) query = query.where("parentId", "=", filter.parentId)
      if (filter.states !== undefined) query = query.where("state", "in", filter.states)
      if (filter.companyId !== undefined) query = query.where("companyId", "=", filter.companyId)
      if (filter.departmentId !== undefined) query = query.where("departmentId", "=", filter.departmentId)
      if (filter.userId !== undefined) query = query.where("userId", "=", filter.userId)
      query = query.orderBy("createdAt", "desc").orderBy("id", "desc")
      if (filter.limit !== undefined) query = query.limit(filter.limit)
      return query.execute()
    })
    return rows.map(taskCodec.decode)
  })

  // One statement: the lock's update rides along as a data-modifying CTE (both or neither are written).
  const finish = Effect.fn("task.finish")(function* (id: string, patch: Parameters<typeof update>[1], lock?: LockRef) {
    if (lock === undefined) return yield* update(id, patch)
    const { id: _id, createdAt: _createdAt, ...changes } = taskCodec.encode(patch as Partial<Task>)
    const row = yield* run("task.finish", () =>
      db
        .with("freed", (db) =>
          db
            .updateTable("vmLocks")
            .set({ holder: null, operation: null, takenAt: null })
            .where("vmId", "=", lock.vmId)
            .where("holder", "=", lock.holder),
        )
        .updateTable("tasks")
        .set(changes)
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst(),
    )
    if (row === undefined) return yield* new NotFound({ resource: "task", id })
    return taskCodec.decode(row)
  })

  return { get, list, insert, update, finish }
}

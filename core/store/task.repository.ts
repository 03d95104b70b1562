import { Effect } from "effect"
import type { Kysely } from "kysely"
import { NotFound } from "../errors.ts"
import { Task } from "../model/index.ts"
import { codecOf } from "./codec.ts"
import { insertOwn, updateOwn } from "./own-rows.ts"
import type { LockRef, OwnRow, OwnUpdate, TaskFilter, TaskRepository } from "./ports.ts"
import { preparedTail } from "./prepared.ts"
import { makeRepository } from "./repository.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"

const taskCodec = codecOf(Task, { json: ["params", "result", "error"] })

export const makeTaskRepository = (db: Kysely<DB>): TaskRepository => {
  const { get, update } = makeRepository<Task>(db, { table: "tasks", resource: "task", codec: taskCodec })

  const filtered = (filter: TaskFilter) => {
    let query = db.selectFrom("tasks")
    if (filter.vmId !== undefined) query = query.where("vmId", "=", filter.vmId)
    if (filter.parentId !== undefined) query = query.where("parentId", "=", filter.parentId)
    if (filter.states !== undefined) query = query.where("state", "in", filter.states)
    if (filter.operations !== undefined) query = query.where("operation", "in", filter.operations)
    if (filter.since !== undefined) query = query.where("createdAt", ">=", filter.since)
    if (filter.companyId !== undefined) query = query.where("companyId", "=", filter.companyId)
    if (filter.departmentId !== undefined) query = query.where("departmentId", "=", filter.departmentId)
    if (filter.userId !== undefined) query = query.where("userId", "=", filter.userId)
    return query
  }
  const matchesNothing = (filter: TaskFilter) => filter.states?.length === 0 || filter.operations?.length === 0

  // G4: newest first.
  const list = Effect.fn("task.list")(function* (filter: TaskFilter = {}) {
    if (matchesNothing(filter)) return []
    const rows = yield* run("task.list", () => {
      let query = filtered(filter).selectAll().orderBy("createdAt", "desc").orderBy("id", "desc")
      if (filter.limit !== undefined) query = query.limit(filter.limit)
      if (filter.offset !== undefined && filter.offset > 0) query = query.offset(filter.offset)
      return query.execute()
    })
    return rows.map(taskCodec.decode)
  })

  const count = Effect.fn("task.count")(function* (filter: TaskFilter = {}) {
    if (matchesNothing(filter)) return 0
    const row = yield* run("task.count", () =>
      filtered(filter)
        .select((eb) => eb.fn.countAll<string>().as("count"))
        .executeTakeFirstOrThrow(),
    )
    return Number(row.count)
  })

  // One statement: the operation's own row rides along as a data-modifying CTE (both or neither are written). Every
  // operation records its task so: the statement is prepared once per connection (its text is one of a few shapes).
  const insert = Effect.fn("task.insert")(function* (task: Task, own?: OwnRow) {
    const values = taskCodec.encode(task) as never
    const row = yield* run("task.insert", () =>
      (own === undefined
        ? db.insertInto("tasks").values(values)
        : db
            .with("own", (db) => insertOwn(db, own))
            .insertInto("tasks")
            .values(values)
      )
        .returningAll()
        .modifyEnd(preparedTail)
        .executeTakeFirstOrThrow(),
    )
    return taskCodec.decode(row)
  })

  // One statement: the lock's update and the operation's own row's change ride along as data-modifying CTEs (all or
  // none are written); prepared once per connection, as the insert.
  const finish = Effect.fn("task.finish")(function* (
    id: string,
    patch: Parameters<typeof update>[1],
    lock?: LockRef,
    own?: OwnUpdate,
  ) {
    if (lock === undefined && own === undefined) return yield* update(id, patch)
    const { id: _id, createdAt: _createdAt, ...changes } = taskCodec.encode(patch as Partial<Task>)
    const row = yield* run("task.finish", () =>
      db
        .with("freed", (db) =>
          db
            .updateTable("vmLocks")
            .set({ holder: null, operation: null, takenAt: null })
            .where("vmId", "=", lock?.vmId ?? "")
            .where("holder", "=", lock?.holder ?? ""),
        )
        .with("own", (db) => (own === undefined ? db.selectNoFrom((eb) => eb.lit(1).as("none")) : updateOwn(db, own)))
        .updateTable("tasks")
        .set(changes)
        .where("id", "=", id)
        .returningAll()
        .modifyEnd(preparedTail)
        .executeTakeFirst(),
    )
    if (row === undefined) return yield* new NotFound({ resource: "task", id })
    return taskCodec.decode(row)
  })

  return { get, list, count, insert, update, finish }
}

import { Clock, Effect } from "effect"
import { type Kysely, sql } from "kysely"
import { NotFound } from "../errors.ts"
import { Task, type VmState } from "../model/index.ts"
import { codecOf } from "./codec.ts"
import { insertOwn, ownRowColumns, ownUpdateColumns, updateOwn } from "./own-rows.ts"
import type {
  LockRef,
  OwnRow,
  OwnUpdate,
  TaskFilter,
  TaskRepository,
  TaskSettlement,
  VmMove,
  VmMoved,
} from "./ports.ts"
import { preparedTail } from "./prepared.ts"
import { makeRepository } from "./repository.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"
import { shapedStatements, slotted } from "./shaped-statement.ts"
import { vmCodec } from "./vm.codec.ts"

const taskCodec = codecOf(Task, { json: ["params", "result", "error"] })

/** A JSON column's value as the database gives it back (what JSON keeps of it). */
const fromJsonText = (text: unknown): unknown => (typeof text === "string" ? JSON.parse(text) : null)

/** A task as its row reads once written from `columns` (taskCodec's): its JSON fields as JSON keeps them. */
const asStored = (task: Task, columns: Record<string, unknown>): Task => ({
  ...task,
  params: fromJsonText(columns.params),
  result: fromJsonText(columns.result),
  error: fromJsonText(columns.error) as Task["error"],
})

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

  // Each compiled once per shape (which own row, which columns) and prepared once per connection.
  const statements = shapedStatements()

  // One statement: the operation's own row rides along as a data-modifying CTE (both or neither are written). Every
  // operation records its task so. The task is answered as written (no row sent back to decode: 16 columns parsed by
  // pg and the camelCase plugin, #12), its JSON fields as the database keeps them.
  const insert = Effect.fnUntraced(function* insert(task: Task, own?: OwnRow) {
    const columns = taskCodec.encode(task)
    const ownColumns = own === undefined ? {} : ownRowColumns(own)
    const taskKeys = Object.keys(columns)
    const values = [...Object.values(columns), ...Object.values(ownColumns)]
    const shape = `${taskKeys}|${own?.kind ?? ""}:${Object.keys(ownColumns)}`
    const query = statements(shape, values, (slot) => {
      const row = slotted(columns, slot)
      return (
        own === undefined
          ? db.insertInto("tasks").values(row as never)
          : db
              .with("own", (db) => insertOwn(db, own.kind, slotted(ownColumns, slot, taskKeys.length)))
              .insertInto("tasks")
              .values(row as never)
      ).modifyEnd(preparedTail)
    })
    yield* run("task.insert", () => db.executeQuery(query))
    return asStored(task, columns)
  })

  // One statement: the VM's move (under its version) and the task's insert, which reads the move's row (none: no
  // task); compiled once per shape and prepared once per connection, as the insert. INSERT … SELECT types the
  // values by the columns they go in, as VALUES does.
  const begin = Effect.fnUntraced(function* begin(task: Task, move: VmMove & { readonly expectedVersion: number }) {
    const columns = taskCodec.encode(task)
    const moveChanges = vmCodec.encode(move.patch)
    const taskKeys = Object.keys(columns)
    const moveKeys = Object.keys(moveChanges)
    const values = [
      ...Object.values(columns),
      ...Object.values(moveChanges),
      move.vmId,
      move.expectedVersion,
      task.createdAt,
    ]
    const query = statements(`begin|${taskKeys}|${moveKeys}`, values, (slot) => {
      const vmAt = taskKeys.length + moveKeys.length
      return db
        .with("moved", (db) =>
          db
            .updateTable("vms")
            .set({
              ...slotted(moveChanges, slot, taskKeys.length),
              updatedAt: slot(vmAt + 2),
              version: sql`version + 1`,
            })
            .where("id", "=", slot(vmAt))
            .where("version", "=", slot(vmAt + 1))
            .returning(["version as movedVersion", "updatedAt as movedAt"]),
        )
        .insertInto("tasks")
        .columns(taskKeys as never)
        .expression((eb) => eb.selectFrom("moved").select(taskKeys.map((key, at) => sql`${slot(at)}`.as(key)) as never))
        .returning((eb) => [
          eb.selectFrom("moved").select("movedVersion").as("movedVersion"),
          eb.selectFrom("moved").select("movedAt").as("movedAt"),
        ])
        .modifyEnd(preparedTail)
    })
    const { rows } = yield* run("task.begin", () => db.executeQuery<Record<string, unknown>>(query))
    const row = rows[0]
    if (row === undefined) return undefined
    return {
      task: asStored(task, columns),
      moved: { version: Number(row.movedVersion), updatedAt: row.movedAt as Date },
    }
  })

  // One statement: the lock's update, the operation's own row's change and the VM's move ride along as
  // data-modifying CTEs (all or none are written); compiled once per shape and prepared once per connection, as the
  // insert.
  const settle = Effect.fnUntraced(function* settle(
    id: string,
    patch: Parameters<typeof update>[1],
    { lock, own, move }: TaskSettlement,
  ) {
    if (lock === undefined && own === undefined && move === undefined) {
      return { task: yield* update(id, patch), moved: undefined }
    }
    const { id: _id, createdAt: _createdAt, ...changes } = taskCodec.encode(patch as Partial<Task>)
    const ownChanges = own === undefined ? {} : ownUpdateColumns(own)
    const moveChanges = move === undefined ? {} : vmCodec.encode(move.patch)
    const changeKeys = Object.keys(changes)
    // Values: the task's changes, its id, the lock, the own row's changes and id, then the move's changes, VM and time.
    const values = [
      ...Object.values(changes),
      id,
      lock?.vmId ?? "",
      lock?.holder ?? "",
      ...Object.values(ownChanges),
      own?.id,
      ...Object.values(moveChanges),
      move?.vmId,
      move === undefined ? undefined : new Date(yield* Clock.currentTimeMillis),
    ]
    const moveKeys = move === undefined ? "-" : Object.keys(moveChanges).join()
    const shape = `${changeKeys}|${own?.kind ?? ""}:${Object.keys(ownChanges)}|${moveKeys}`
    const query = statements(shape, values, (slot) => {
      const at = changeKeys.length
      const ownAt = at + 3
      const moveAt = ownAt + Object.keys(ownChanges).length + 1
      const base = db
        .with("freed", (db) =>
          db
            .updateTable("vmLocks")
            .set({ holder: null, operation: null, takenAt: null })
            .where("vmId", "=", slot(at + 1))
            .where("holder", "=", slot(at + 2)),
        )
        .with("own", (db) =>
          own === undefined
            ? db.selectNoFrom((eb) => eb.lit(1).as("none"))
            : updateOwn(db, own.kind, slot(moveAt - 1), slotted(ownChanges, slot, ownAt)),
        )
      const task = slotted(changes, slot) as never
      if (move === undefined) {
        return base.updateTable("tasks").set(task).where("id", "=", slot(at)).returningAll().modifyEnd(preparedTail)
      }
      return (
        base
          // The state the VM leaves is read under the row's lock, so that its event names the state it really left.
          .with("before", (db) =>
            db
              .selectFrom("vms")
              .select(["id", "state"])
              .where("id", "=", slot(values.length - 2))
              .forUpdate(),
          )
          .with("moved", (db) =>
            db
              .updateTable("vms")
              .from("before")
              .set({
                ...slotted(moveChanges, slot, moveAt),
                updatedAt: slot(values.length - 1),
                version: sql`vms.version + 1`,
              })
              .whereRef("vms.id", "=", "before.id")
              .returning(["before.state as movedFrom", "vms.version as movedVersion", "vms.updatedAt as movedAt"]),
          )
          .updateTable("tasks")
          .set(task)
          .where("id", "=", slot(at))
          .returningAll()
          .returning((eb) => [
            eb.selectFrom("moved").select("movedFrom").as("movedFrom"),
            eb.selectFrom("moved").select("movedVersion").as("movedVersion"),
            eb.selectFrom("moved").select("movedAt").as("movedAt"),
          ])
          .modifyEnd(preparedTail)
      )
    })
    const { rows } = yield* run("task.finish", () => db.executeQuery<Record<string, unknown>>(query))
    const row = rows[0]
    if (row === undefined) return yield* new NotFound({ resource: "task", id })
    const moved: VmMoved | undefined =
      move === undefined || row.movedFrom === null || row.movedFrom === undefined
        ? undefined
        : { from: row.movedFrom as VmState, version: Number(row.movedVersion), updatedAt: row.movedAt as Date }
    return { task: taskCodec.decode(row), moved }
  })

  const finish = (id: string, patch: Parameters<typeof update>[1], lock?: LockRef, own?: OwnUpdate) =>
    Effect.map(settle(id, patch, { lock, own }), ({ task }) => task)

  return { get, list, count, insert, begin, update, finish, settle }
}

import { Effect, Schema } from "effect"
import { Hono } from "hono"
import {
  canSee,
  loadVisibleVm,
  NotFound,
  Operation,
  Store,
  type Task,
  type TaskFilter,
  TaskState,
} from "../../core/index.ts"
import type { Actor } from "../../core/rules/context.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { ApiId, IdParam, IsoDateTime, QueryInt, QueryList, Text } from "../validation/schemas.ts"
import { pathParams, queryParams } from "../validation/validators.ts"
import { taskSeenBy } from "../views/host-paths.ts"
import { TaskSchema } from "../vms/responses.ts"

const tag = "Tasks"

const TaskListQuery = Schema.Struct({
  /** Every task of one VM the caller may see. */
  vmId: Schema.optionalKey(ApiId),
  /** The children of a batch task (L7). */
  parentId: Schema.optionalKey(ApiId),
  state: Schema.optionalKey(QueryList(TaskState, `Comma-separated states: ${TaskState.literals.join(", ")}`)),
  operation: Schema.optionalKey(QueryList(Operation, "Comma-separated operations (vm.start, vm.snapshot, …)")),
  /** Created at or after this moment (ISO 8601). */
  since: Schema.optionalKey(IsoDateTime),
  /** Tasks skipped, newest first; default 0. */
  offset: Schema.optionalKey(QueryInt(0, 10_000_000)),
  /** Newest first; default 100. */
  limit: Schema.optionalKey(QueryInt(1, 500)),
  lang: Schema.optionalKey(Text(35)),
})

const TaskPage = Schema.Struct({
  items: Schema.Array(TaskSchema),
  /** Every task that matches the filters in the caller's scope. */
  total: Schema.Int,
  offset: Schema.Int,
  limit: Schema.Int,
}).annotate({ identifier: "TaskPage" })

/**
 * G1 for tasks: a superadmin sees all, an admin their department's and their own, a user the ones they started and
 * every task of a VM they may see.
 */
const canSeeTask = Effect.fn("agent.canSeeTask")(function* (actor: Actor, task: Task) {
  if (actor.role === "superadmin" || task.userId === actor.userId) return true
  if (actor.role === "admin" && task.departmentId === actor.departmentId) return true
  if (task.vmId === null) return false
  const store = yield* Store
  const vm = yield* store.vms.get(task.vmId).pipe(Effect.option)
  return vm._tag === "Some" && canSee(actor, vm.value)
})

/** The filter of the caller's scope (G1): a VM's tasks, or the caller's department's / own, or all. */
const scopedFilter = Effect.fn("agent.taskScope")(function* (actor: Actor, query: typeof TaskListQuery.Type) {
  const filter: TaskFilter = {
    ...(query.parentId === undefined ? {} : { parentId: query.parentId }),
    ...(query.state === undefined ? {} : { states: query.state }),
    ...(query.operation === undefined ? {} : { operations: query.operation }),
    ...(query.since === undefined ? {} : { since: query.since }),
  }
  if (query.vmId !== undefined) {
    yield* loadVisibleVm(actor, query.vmId)
    return { ...filter, vmId: query.vmId }
  }
  if (actor.role === "superadmin") return filter
  if (actor.role === "admin") return { ...filter, departmentId: actor.departmentId }
  return { ...filter, userId: actor.userId }
})

const listTasks = Effect.fn("agent.listTasks")(function* (actor: Actor, query: typeof TaskListQuery.Type) {
  const store = yield* Store
  const filter = yield* scopedFilter(actor, query)
  const offset = query.offset ?? 0
  const limit = query.limit ?? 100
  const [items, total] = yield* Effect.all(
    [store.tasks.list({ ...filter, offset, limit }), store.tasks.count(filter)],
    {
      concurrency: 2,
    },
  )
  return { items, total, offset, limit }
})

const getTask = Effect.fn("agent.getTask")(function* (actor: Actor, id: string) {
  const store = yield* Store
  const task = yield* store.tasks.get(id)
  if (!(yield* canSeeTask(actor, task))) return yield* new NotFound({ resource: "task", id })
  return task
})

/** /api/v1/tasks: every operation's record (G4), newest first. */
export const taskRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/",
      doc({
        tag,
        summary: "List tasks in the caller's scope (G4): filters, paging and the total",
        description:
          "Newest first. Filters: vmId, parentId, state, operation, since (created at or after). `total` counts " +
          "every matching task; `offset` and `limit` page through them.",
        ok: { 200: json("One page of tasks, newest first, and the total", TaskPage) },
        errors: [400, 404],
      }),
      queryParams(TaskListQuery),
      async (c) => {
        const page = await runEffect(c, listTasks(c.var.actor, c.req.valid("query")))
        return c.json({ ...page, items: page.items.map(taskSeenBy(c.var.actor)) })
      },
    )
    .get(
      "/:id",
      doc({ tag, summary: "One task (G4)", ok: { 200: json("The task", TaskSchema) }, errors: [400, 404] }),
      pathParams(IdParam),
      async (c) => c.json(taskSeenBy(c.var.actor)(await runEffect(c, getTask(c.var.actor, c.req.valid("param").id)))),
    )

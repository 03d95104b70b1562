import { Schema } from "effect"
import { Id, Timestamp } from "./common.ts"
import { Operation } from "./operation.ts"

export const TaskState = Schema.Literals(["queued", "running", "succeeded", "failed"])
export type TaskState = typeof TaskState.Type

/** Why a task failed or was refused: a code, the rule's name when a rule refused it, a message (English). */
export const TaskError = Schema.Struct({
  code: Schema.String,
  rule: Schema.optionalKey(Schema.String),
  message: Schema.String,
})
export type TaskError = typeof TaskError.Type

/** Every operation is a task (G4): who, what, when, outcome. */
export const Task = Schema.Struct({
  id: Id,
  operation: Operation,
  /** The VM it acts on, if any (kept after the VM is purged, so no foreign key). */
  vmId: Schema.NullOr(Id),
  /** Another resource it acts on (disk, snapshot, …), if any. */
  targetId: Schema.NullOr(Id),
  /** A batch task groups its children through parentId (L7). */
  parentId: Schema.NullOr(Id),
  userId: Id,
  companyId: Id,
  departmentId: Id,
  state: TaskState,
  progress: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 100 })),
  params: Schema.Unknown,
  result: Schema.Unknown,
  error: Schema.NullOr(TaskError),
  createdAt: Timestamp,
  startedAt: Schema.NullOr(Timestamp),
  finishedAt: Schema.NullOr(Timestamp),
})
export type Task = typeof Task.Type

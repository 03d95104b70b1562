import type { Operation, TaskError, TaskState } from "../model/index.ts"
import type { CreatedAt, NullableJson } from "./columns.ts"

/** No foreign keys: a task record outlives the VM, user or batch it names (G4). */
export interface TasksTable {
  id: string
  operation: Operation
  vmId: string | null
  targetId: string | null
  parentId: string | null
  userId: string
  companyId: string
  departmentId: string
  state: TaskState
  progress: number
  params: NullableJson<unknown>
  result: NullableJson<unknown>
  error: NullableJson<TaskError>
  createdAt: CreatedAt
  startedAt: Date | null
  finishedAt: Date | null
}

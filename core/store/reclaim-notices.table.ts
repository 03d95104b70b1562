import type { ReclaimOutcome, ReclaimStep } from "../reclaim/model.ts"
import type { Json } from "./columns.ts"

export interface ReclaimNoticesTable {
  vmId: string
  reclaimAt: Date
  step: ReclaimStep
  at: Date
  taskId: string
  outcome: ReclaimOutcome
  recipients: Json<ReadonlyArray<string>>
  delivered: boolean
  error: string | null
}

import type { AlarmEventKind } from "../alarms/model.ts"
import type { AlarmMetric } from "../model/index.ts"
import type { Json } from "./columns.ts"

export interface AlarmEventsTable {
  id: string
  ruleId: string
  vmId: string
  kind: AlarmEventKind
  metric: AlarmMetric
  valuePercent: number
  thresholdPercent: number
  at: Date
  recipients: Json<ReadonlyArray<string>>
  delivered: boolean
  error: string | null
}

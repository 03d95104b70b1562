import { Schema } from "effect"
import { AlarmEvent } from "../../core/alarms/index.ts"
import { AlarmMetric, AlarmRule } from "../../core/model/index.ts"
import { ApiId, QueryInt, Text } from "../validation/schemas.ts"

const Threshold = Schema.Number.check(Schema.isBetween({ minimum: 1, maximum: 100 })).annotate({
  description: "Percent, 1–100: the alarm fires at or above it",
})
const DurationMinutes = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1440 })).annotate({
  description: "Minutes the metric must stay at or above the threshold (and below it to recover), 1–1440",
})
const Recipients = Schema.Array(ApiId)
  .check(Schema.isMinLength(1), Schema.isMaxLength(50))
  .annotate({ description: "Users to mail (1–50), all of the VM's company (rule alarm-recipients-in-company)" })

export const AlarmBody = Schema.Struct({
  metric: AlarmMetric,
  thresholdPercent: Threshold,
  durationMinutes: DurationMinutes,
  recipientUserIds: Recipients,
  enabled: Schema.optionalKey(Schema.Boolean),
}).annotate({ identifier: "AlarmInput" })

export const AlarmPatchBody = Schema.Struct({
  thresholdPercent: Schema.optionalKey(Threshold),
  durationMinutes: Schema.optionalKey(DurationMinutes),
  recipientUserIds: Schema.optionalKey(Recipients),
  enabled: Schema.optionalKey(Schema.Boolean),
}).annotate({ identifier: "AlarmPatch" })

export const AlarmParams = Schema.Struct({ id: ApiId, alarmId: ApiId })

export const AlarmSchema = Schema.Struct({
  ...AlarmRule.fields,
  firing: Schema.Boolean.annotate({ description: "The alarm is on: it fired and has not recovered" }),
}).annotate({ identifier: "Alarm" })

export const AlarmEventSchema = AlarmEvent.annotate({ identifier: "AlarmEvent" })

export const HistoryQuery = Schema.Struct({
  /** Newest first; default 100. */
  limit: Schema.optionalKey(QueryInt(1, 500)),
  lang: Schema.optionalKey(Text(35)),
})

import { Schema } from "effect"
import { AlarmMetric } from "../model/extras.ts"

export const AlarmEventKind = Schema.Literals(["fired", "recovered"])
export type AlarmEventKind = typeof AlarmEventKind.Type

/** One line of the alarm history (R1, M2): a rule fired or recovered, the value that decided it, who was told. */
export const AlarmEvent = Schema.Struct({
  id: Schema.String,
  ruleId: Schema.String,
  vmId: Schema.String,
  kind: AlarmEventKind,
  metric: AlarmMetric,
  valuePercent: Schema.Number,
  thresholdPercent: Schema.Number,
  at: Schema.Date,
  /** The addresses the mail went to. */
  recipients: Schema.Array(Schema.String),
  delivered: Schema.Boolean,
  /** Why the mail did not go, when it did not. */
  error: Schema.NullOr(Schema.String),
})
export type AlarmEvent = typeof AlarmEvent.Type

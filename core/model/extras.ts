import { Schema } from "effect"
import { Id, Percent, PositiveInt, Timestamp } from "./common.ts"

/** An SSH key pair of a user (C3, R13, X5); only the public half is kept. */
export const KeyPair = Schema.Struct({
  id: Id,
  userId: Id,
  name: Schema.String,
  publicKey: Schema.String,
  fingerprint: Schema.String,
  createdAt: Timestamp,
})
export type KeyPair = typeof KeyPair.Type

export const AlarmMetric = Schema.Literals(["cpu", "memory", "disk"])
export type AlarmMetric = typeof AlarmMetric.Type

/** R1, M2: mail the recipients when the metric stays above the threshold for the duration. */
export const AlarmRule = Schema.Struct({
  id: Id,
  vmId: Id,
  metric: AlarmMetric,
  thresholdPercent: Percent,
  durationMinutes: PositiveInt,
  recipientUserIds: Schema.Array(Id),
  enabled: Schema.Boolean,
  lastFiredAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
})
export type AlarmRule = typeof AlarmRule.Type

import { randomUUID } from "node:crypto"
import { Effect, Result, Schema } from "effect"
import { InvalidInput } from "../errors.ts"
import { type Period, Schedule, type ScheduleTarget } from "../model/storage.ts"
import { cronOf } from "./cron.ts"

/** What a person chooses for a snapshot or backup schedule (P2, V5); parts a period does not use may be left out. */
export interface ScheduleInput {
  readonly period: Period
  readonly minute: number
  /** Daily, weekly and monthly; default 0. */
  readonly hour?: number
  /** Weekly, 0 = Sunday; default 0. */
  readonly dayOfWeek?: number
  /** Monthly, 1–31 (past a month's end: its last day); default 1. */
  readonly dayOfMonth?: number
  /** An IANA zone such as "Asia/Shanghai"; default "UTC". */
  readonly timeZone?: string
  /** How many of its own newest items the schedule keeps. */
  readonly retention: number
  readonly enabled?: boolean
}

const decodeSchedule = Schema.decodeUnknownEffect(Schedule)

/** A new schedule's record, or InvalidInput naming what is out of range or an unknown time zone. */
export const scheduleRecord = Effect.fn("scheduler.scheduleRecord")(function* (
  input: ScheduleInput,
  target: ScheduleTarget,
  createdBy: string,
  createdAt: Date,
) {
  const schedule = yield* decodeSchedule({
    id: randomUUID(),
    target,
    period: input.period,
    minute: input.minute,
    hour: input.hour ?? 0,
    dayOfWeek: input.dayOfWeek ?? 0,
    dayOfMonth: input.dayOfMonth ?? 1,
    timeZone: input.timeZone ?? "UTC",
    retention: input.retention,
    enabled: input.enabled ?? true,
    lastRunAt: null,
    createdBy,
    createdAt,
  }).pipe(Effect.mapError((error) => new InvalidInput({ message: `Invalid schedule: ${error.message}` })))
  if (Result.isFailure(cronOf(schedule))) {
    return yield* new InvalidInput({ message: `Unknown time zone: ${schedule.timeZone}` })
  }
  return schedule
})

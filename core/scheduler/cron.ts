import { Cron, DateTime, Result } from "effect"
import type { Schedule } from "../model/storage.ts"

/** What decides when a schedule runs. */
export type ScheduleTiming = Pick<Schedule, "period" | "minute" | "hour" | "dayOfWeek" | "dayOfMonth" | "timeZone">

/**
 * The schedule as a 5-field cron expression: hourly `M * * * *`, daily `M H * * *`, weekly `M H * * D`, monthly
 * `M H D * *`. A monthly day past the 28th matches the last days of every month; `nextRunAt` then keeps the chosen
 * day, or the month's last day when the month is shorter (the 31st runs on 30 April and 28 February).
 */
export const cronExpression = (timing: ScheduleTiming): string => {
  const { minute: m, hour: h } = timing
  switch (timing.period) {
    case "hourly":
      return `${m} * * * *`
    case "daily":
      return `${m} ${h} * * *`
    case "weekly":
      return `${m} ${h} * * ${timing.dayOfWeek}`
    case "monthly":
      return timing.dayOfMonth > 28 ? `${m} ${h} 28-31 * *` : `${m} ${h} ${timing.dayOfMonth} * *`
  }
}

/**
 * The schedule's cron in its time zone, or why it cannot be read (an unknown zone). An hourly schedule runs every
 * real hour, the repeated one too when clocks go back; the others run once, at the first of two repeated times.
 * A time that a spring-forward skips runs right after the jump (02:30 becomes 03:30).
 */
export const cronOf = (timing: ScheduleTiming): Result.Result<Cron.Cron, Cron.CronParseError> =>
  Cron.parse(cronExpression(timing), timing.timeZone, {
    onDstOverlap: timing.period === "hourly" ? "both" : "earlier",
  })

const localDay = (at: Date, timeZone: string) => {
  const parts = DateTime.toParts(DateTime.makeZonedUnsafe(at, { timeZone }))
  const lastDay = new Date(Date.UTC(parts.year, parts.month, 0)).getUTCDate()
  return { day: parts.day, lastDay }
}

/** The first run strictly after `after`, or undefined when the schedule's time zone is unknown. */
export const nextRunAt = (timing: ScheduleTiming, after: Date): Date | undefined => {
  const parsed = cronOf(timing)
  if (Result.isFailure(parsed)) return undefined
  const cron = parsed.success
  if (timing.period !== "monthly" || timing.dayOfMonth <= 28) return Cron.next(cron, after)
  for (const candidate of Cron.sequence(cron, after)) {
    const { day, lastDay } = localDay(candidate, timing.timeZone)
    if (day === Math.min(timing.dayOfMonth, lastDay)) return candidate
  }
  return undefined
}

/** When a schedule runs next: the first slot after its last run, or after its creation if it never ran. */
export const dueAt = (schedule: Schedule): Date | undefined =>
  nextRunAt(schedule, schedule.lastRunAt ?? schedule.createdAt)

import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { cronExpression, nextRunAt, type ScheduleTiming } from "./cron.ts"

const timing = (overrides: Partial<ScheduleTiming>): ScheduleTiming => ({
  period: "daily",
  minute: 0,
  hour: 0,
  dayOfWeek: 0,
  dayOfMonth: 1,
  timeZone: "UTC",
  ...overrides,
})

/** The next `count` runs after `from`, as ISO strings. */
const runs = (t: ScheduleTiming, from: string, count: number) => {
  const out: Array<string> = []
  let at = new Date(from)
  for (let i = 0; i < count; i++) {
    const next = nextRunAt(t, at)
    assert.ok(next, "a next run exists")
    out.push(next.toISOString())
    at = next
  }
  return out
}

describe("schedule timing", () => {
  it("P2 V5 presets are 5-field cron expressions", () => {
    assert.equal(cronExpression(timing({ period: "hourly", minute: 15 })), "15 * * * *")
    assert.equal(cronExpression(timing({ period: "daily", minute: 30, hour: 2 })), "30 2 * * *")
    assert.equal(cronExpression(timing({ period: "weekly", minute: 0, hour: 9, dayOfWeek: 1 })), "0 9 * * 1")
    assert.equal(cronExpression(timing({ period: "monthly", minute: 5, hour: 3, dayOfMonth: 15 })), "5 3 15 * *")
  })

  it("P2 an hourly schedule runs at its minute every hour, strictly after the last run", () => {
    assert.deepEqual(runs(timing({ period: "hourly", minute: 15 }), "2026-06-01T10:15:00Z", 2), [
      "2026-06-01T11:15:00.000Z",
      "2026-06-01T12:15:00.000Z",
    ])
  })

  it("V5 weekly: Monday 09:00 in Berlin, across the spring-forward (CET then CEST)", () => {
    const weekly = timing({ period: "weekly", minute: 0, hour: 9, dayOfWeek: 1, timeZone: "Europe/Berlin" })
    assert.deepEqual(runs(weekly, "2026-03-18T00:00:00Z", 3), [
      "2026-03-23T08:00:00.000Z",
      "2026-03-30T07:00:00.000Z",
      "2026-04-06T07:00:00.000Z",
    ])
  })

  it("V5 monthly: the chosen day, or the month's last day when the month is shorter", () => {
    const on31 = timing({ period: "monthly", minute: 0, hour: 3, dayOfMonth: 31 })
    assert.deepEqual(runs(on31, "2026-01-01T00:00:00Z", 4), [
      "2026-01-31T03:00:00.000Z",
      "2026-02-28T03:00:00.000Z",
      "2026-03-31T03:00:00.000Z",
      "2026-04-30T03:00:00.000Z",
    ])
    const onFirst = timing({ period: "monthly", minute: 30, hour: 0, dayOfMonth: 1, timeZone: "Europe/Berlin" })
    // Midnight-thirty on the 1st in Berlin is still the previous month in UTC.
    assert.deepEqual(runs(onFirst, "2026-09-15T00:00:00Z", 3), [
      "2026-09-30T22:30:00.000Z",
      "2026-10-31T23:30:00.000Z",
      "2026-11-30T23:30:00.000Z",
    ])
  })

  it("P2 DST in Europe/Berlin: daily 09:00 keeps local time on 2026-03-29 and 2026-10-25", () => {
    const daily = timing({ period: "daily", minute: 0, hour: 9, timeZone: "Europe/Berlin" })
    assert.deepEqual(runs(daily, "2026-03-28T00:00:00Z", 2), ["2026-03-28T08:00:00.000Z", "2026-03-29T07:00:00.000Z"])
    assert.deepEqual(runs(daily, "2026-10-24T00:00:00Z", 2), ["2026-10-24T07:00:00.000Z", "2026-10-25T08:00:00.000Z"])
  })

  it("P2 DST in Europe/Berlin: a skipped 02:30 runs after the jump; a repeated 02:30 runs once", () => {
    const daily = timing({ period: "daily", minute: 30, hour: 2, timeZone: "Europe/Berlin" })
    assert.deepEqual(runs(daily, "2026-03-28T12:00:00Z", 1), ["2026-03-29T01:30:00.000Z"])
    assert.deepEqual(runs(daily, "2026-10-24T12:00:00Z", 2), ["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"])
  })

  it("P2 DST in Europe/Berlin: an hourly schedule runs every real hour, the repeated one too", () => {
    const hourly = timing({ period: "hourly", minute: 15, timeZone: "Europe/Berlin" })
    assert.deepEqual(runs(hourly, "2026-10-24T23:30:00Z", 3), [
      "2026-10-25T00:15:00.000Z",
      "2026-10-25T01:15:00.000Z",
      "2026-10-25T02:15:00.000Z",
    ])
    assert.deepEqual(runs(hourly, "2026-03-29T00:30:00Z", 2), ["2026-03-29T01:15:00.000Z", "2026-03-29T02:15:00.000Z"])
  })

  it("an unknown time zone has no next run", () => {
    assert.equal(nextRunAt(timing({ timeZone: "Mars/Olympus" }), new Date()), undefined)
  })
})

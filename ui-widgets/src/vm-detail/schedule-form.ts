import { html, nothing, type TemplateResult } from "lit"
import type { Period } from "../api/types.ts"
import type { Locale, Messages } from "../i18n/index.ts"

export const periods: ReadonlyArray<Period> = ["hourly", "daily", "weekly", "monthly"]

/** What POST …/snapshot-schedules and …/backup-schedules take. */
export interface ScheduleBody {
  readonly period: Period
  readonly minute: number
  readonly hour?: number
  readonly dayOfWeek?: number
  readonly dayOfMonth?: number
  readonly timeZone: string
  readonly retention: number
  readonly withMemory?: boolean
}

export interface ScheduleFormView {
  readonly t: Messages
  readonly locale: Locale
  /** Unique in the tab: names the time zones' datalist. */
  readonly id: string
  readonly period: Period
  /** Snapshot schedules may save memory; backup schedules may not. */
  readonly withMemory: boolean
  readonly busy: boolean
  readonly changePeriod: (period: Period) => void
  readonly submit: (body: ScheduleBody) => void
  readonly cancel: () => void
}

/** A weekday's name in the locale; 0 = Sunday (1 January 2023 was one). */
export const weekdayName = (day: number, locale: Locale): string =>
  new Intl.DateTimeFormat(locale, { weekday: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2023, 0, 1 + day)))

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"

const bodyOf = (form: HTMLFormElement, withMemory: boolean): ScheduleBody => {
  const data = new FormData(form)
  // Fields a period does not use are not in the form; the API's defaults apply to them.
  const number = (name: string) => (data.has(name) ? { [name]: Number(data.get(name)) } : {})
  return {
    period: data.get("period") as Period,
    minute: Number(data.get("minute")),
    ...number("hour"),
    ...number("dayOfWeek"),
    ...number("dayOfMonth"),
    timeZone: String(data.get("timeZone")).trim(),
    retention: Number(data.get("retention")),
    ...(withMemory ? { withMemory: data.has("withMemory") } : {}),
  }
}

/**
 * A new schedule (P2, V5): period, the minute, hour, weekday or day of month the period uses, the time zone (the
 * browser's by default), how many of its own items to keep, and for snapshots whether to save memory. The browser
 * checks the ranges before sending; the API's refusal (a second schedule of a period, an unknown zone) shows beside it.
 */
export const renderScheduleForm = (v: ScheduleFormView): TemplateResult => {
  const s = v.t.tabs.schedule
  const zones = `${v.id}-zones`
  const submit = (event: Event) => {
    event.preventDefault()
    v.submit(bodyOf(event.target as HTMLFormElement, v.withMemory))
  }
  const numberField = (label: string, name: string, min: number, max: number, value: number) =>
    html`<label>${label}<input name=${name} type="number" min=${min} max=${max} step="1" required
      value=${value} /></label>`
  return html`<form class="schedule-form" data-schedule-form @submit=${submit}>
    <label>${s.period}<select name="period" @change=${(event: Event) =>
      v.changePeriod((event.target as HTMLSelectElement).value as Period)}>
      ${periods.map((p) => html`<option value=${p} ?selected=${p === v.period}>${s.periods[p]}</option>`)}
    </select></label>
    ${
      v.period === "weekly"
        ? html`<label>${s.dayOfWeek}<select name="dayOfWeek">${[1, 2, 3, 4, 5, 6, 0].map(
            (day) => html`<option value=${day}>${weekdayName(day, v.locale)}</option>`,
          )}</select></label>`
        : nothing
    }
    ${v.period === "monthly" ? numberField(s.dayOfMonth, "dayOfMonth", 1, 31, 1) : nothing}
    ${v.period === "hourly" ? nothing : numberField(s.hour, "hour", 0, 23, 2)}
    ${numberField(s.minute, "minute", 0, 59, 0)}
    <label>${s.timeZone}<input name="timeZone" list=${zones} required value=${browserZone()} />
      <datalist id=${zones}>${Intl.supportedValuesOf("timeZone").map((zone) => html`<option value=${zone}></option>`)}</datalist>
    </label>
    ${numberField(s.keepInput, "retention", 1, 1000, 7)}
    ${v.withMemory ? html`<label class="check"><input name="withMemory" type="checkbox" />${s.withMemory}</label>` : nothing}
    <div class="form-buttons">
      <button type="button" @click=${v.cancel}>${v.t.common.cancel}</button>
      <button type="submit" class="primary" data-create-schedule ?disabled=${v.busy}>${s.create}</button>
    </div>
  </form>`
}

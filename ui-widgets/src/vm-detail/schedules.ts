import { html, type TemplateResult } from "lit"
import { offeredRoutes, offers } from "../api/capabilities.ts"
import type { Items, Period, Schedule } from "../api/types.ts"
import { formatDateTime } from "../i18n/index.ts"
import { renderScheduleForm, type ScheduleBody, weekdayName } from "./schedule-form.ts"
import { type Loadable, type TabHost, TabModel } from "./tab-model.ts"
import { noticeView, rowButton, table, whenLoaded } from "./views.ts"

export interface ScheduleListOptions {
  /** The list's route as the OpenAPI document names it (/vms/{id}/snapshot-schedules). */
  readonly route: string
  /** The same with the ids in it. */
  readonly path: string
  /** Unique in the tab, for the form's ids. */
  readonly id: string
  /** Snapshot schedules: each run may save memory too. */
  readonly withMemory: boolean
}

const pad = (n: number) => String(n).padStart(2, "0")

/**
 * The schedules of a VM's snapshots (P2, P3) or of one disk's backups (V5, V6): when each runs, in which time zone,
 * how many of its own items it keeps and when it runs next; create one, delete one (what it made stays).
 */
export class ScheduleList extends TabModel<ReadonlyArray<Schedule>> {
  /** The new schedule's period while its form is open. */
  formPeriod: Period | undefined
  private readonly options: ScheduleListOptions

  constructor(host: TabHost, options: ScheduleListOptions) {
    super(host)
    this.options = options
  }

  protected async fetch(): Promise<Loadable<ReadonlyArray<Schedule>>> {
    const client = this.host.client()
    if (!offers(await offeredRoutes(client), "GET", this.options.route)) return { status: "absent" }
    return { status: "loaded", value: (await client.get<Items<Schedule>>(this.options.path)).items }
  }

  render(): TemplateResult {
    const t = this.host.t
    return whenLoaded(this.data, t, t.tabs.schedule.list, (items) => this.view(items))
  }

  private view(items: ReadonlyArray<Schedule>) {
    const { t, locale } = this.host
    const s = t.tabs.schedule
    const when = (schedule: Schedule) => {
      const time = `${pad(schedule.hour)}:${pad(schedule.minute)}`
      if (schedule.period === "hourly") return s.hourly(pad(schedule.minute))
      if (schedule.period === "daily") return s.daily(time)
      if (schedule.period === "weekly") return s.weekly(weekdayName(schedule.dayOfWeek, locale), time)
      return s.monthly(schedule.dayOfMonth, time)
    }
    const memory = this.options.withMemory
    const headers = [s.period, s.when, s.timeZone, s.retention, ...(memory ? [s.withMemory] : []), s.nextRun, ""]
    const rows = items.map((schedule) => [
      s.periods[schedule.period],
      when(schedule),
      schedule.timeZone,
      s.keep(schedule.retention),
      ...(memory
        ? [schedule.target.kind === "vm-snapshot" && schedule.target.withMemory ? t.common.yes : t.common.no]
        : []),
      html`<span data-next-run>${formatDateTime(schedule.nextRunAt, locale)}</span>`,
      rowButton(s.delete, () => this.remove(schedule), {
        data: "delete-schedule",
        danger: true,
        busy: this.busy.has(schedule.id),
        title: `${s.delete}: ${s.periods[schedule.period]}`,
      }),
    ])
    return html`<div class="schedules" data-schedules=${this.options.id}>
      ${
        items.length === 0
          ? html`<p class="muted">${s.none}</p>`
          : table(
              headers,
              rows,
              items.map((i) => i.id),
            )
      }
      ${noticeView(this.notice, t)}
      ${
        this.formPeriod === undefined
          ? html`<button type="button" data-add-schedule @click=${() => this.openForm()}>${s.add}</button>`
          : renderScheduleForm({
              t,
              locale,
              id: this.options.id,
              period: this.formPeriod,
              withMemory: memory,
              busy: this.busy.has("create"),
              changePeriod: (period) => {
                this.formPeriod = period
                this.host.update()
              },
              submit: (body) => this.create(body),
              cancel: () => {
                this.formPeriod = undefined
                this.host.update()
              },
            })
      }
      <p class="muted">${s.note}</p>
    </div>`
  }

  private openForm() {
    this.formPeriod = "daily"
    this.notice = undefined
    this.host.update()
  }

  private create(body: ScheduleBody) {
    const s = this.host.t.tabs.schedule
    void this.act(
      "create",
      (client) => client.post(this.options.path, body),
      () => {
        this.formPeriod = undefined
        return s.created(s.periods[body.period])
      },
    )
  }

  private remove(schedule: Schedule) {
    const s = this.host.t.tabs.schedule
    this.host.ask({
      action: "delete-schedule",
      kind: "confirm",
      name: "",
      value: "",
      ask: {
        title: s.confirmDelete(s.periods[schedule.period]),
        button: s.delete,
        run: () =>
          void this.act(
            schedule.id,
            (client) => client.delete(`${this.options.path}/${encodeURIComponent(schedule.id)}`),
            () => s.deleted,
          ),
      },
    })
  }
}

import { html, nothing, type TemplateResult } from "lit"
import { offeredRoutes, offers } from "../api/capabilities.ts"
import type { Alarm, AlarmEvent, AlarmMetric, Items, User, VmDetail } from "../api/types.ts"
import { formatDateTime } from "../i18n/index.ts"
import { type AlarmMessages, alarmMessages } from "./alarm-messages.ts"
import { type Loadable, type TabHost, TabModel } from "./tab-model.ts"
import { noticeView, rowButton, table, whenLoaded } from "./views.ts"

interface AlarmsData {
  readonly alarms: ReadonlyArray<Alarm>
  readonly history: ReadonlyArray<AlarmEvent>
  /** The users the caller may pick as recipients (GET /users: themself, their department, or everyone). */
  readonly users: ReadonlyArray<User>
}

/** The form's fields as typed: numbers stay text so that the API, not the browser, judges them. */
interface Draft {
  /** "new", or the id of the rule being edited. */
  readonly editing: string
  readonly metric: AlarmMetric
  readonly threshold: string
  readonly duration: string
  readonly recipients: ReadonlySet<string>
  readonly enabled: boolean
}

const metrics: ReadonlyArray<AlarmMetric> = ["cpu", "memory", "disk"]
const historyLimit = 20

/**
 * The monitoring tab's alarms (R1, M2), where the manual puts them ("监控"选项卡 → "配置告警"): the VM's rules with
 * threshold, duration, recipients and whether each is on now; add, edit (threshold, duration, recipients, enabled)
 * and delete; and the recent firings with whom they mailed. The form is offered only while the VM's monitoring is
 * installed, as the manual says; every other rule (recipients of the VM's company, ranges) is the API's, and its
 * refusal shows beside the form with the rule.
 */
export class AlarmsSection extends TabModel<AlarmsData> {
  draft: Draft | undefined
  private readonly path: string

  constructor(host: TabHost, vmId: string) {
    super(host)
    this.path = `/vms/${encodeURIComponent(vmId)}`
  }

  private get m(): AlarmMessages {
    return alarmMessages(this.host.locale)
  }

  protected async fetch(): Promise<Loadable<AlarmsData>> {
    const client = this.host.client()
    if (!offers(await offeredRoutes(client), "GET", "/vms/{id}/alarms")) return { status: "absent" }
    const [alarms, history, users] = await Promise.all([
      client.get<Items<Alarm>>(`${this.path}/alarms`),
      client.get<Items<AlarmEvent>>(`${this.path}/alarm-events`, { limit: historyLimit }),
      // Without the users list the rules still show; recipients then show as ids and the form offers nobody.
      client.get<Items<User>>("/users").catch(() => ({ items: [] })),
    ])
    return { status: "loaded", value: { alarms: alarms.items, history: history.items, users: users.items } }
  }

  /** "Memory ≥ 90 % for 10 min": a rule in the element's language. */
  private describe(alarm: Pick<Alarm, "metric" | "thresholdPercent" | "durationMinutes">) {
    return this.m.rule(this.m.metrics[alarm.metric], Number(alarm.thresholdPercent), alarm.durationMinutes)
  }

  private open(alarm: Alarm | undefined, users: ReadonlyArray<User>) {
    this.notice = undefined
    this.draft =
      alarm === undefined
        ? {
            editing: "new",
            metric: "cpu",
            threshold: "80",
            duration: "5",
            // A plain user's list is themself alone: checked already.
            recipients: new Set(users.length === 1 ? users.map((user) => user.id) : []),
            enabled: true,
          }
        : {
            editing: alarm.id,
            metric: alarm.metric,
            threshold: String(alarm.thresholdPercent),
            duration: String(alarm.durationMinutes),
            recipients: new Set(alarm.recipientUserIds),
            enabled: alarm.enabled,
          }
    this.host.update()
  }

  private change(patch: Partial<Draft>) {
    if (this.draft !== undefined) this.draft = { ...this.draft, ...patch }
    this.host.update()
  }

  private close() {
    this.draft = undefined
    this.host.update()
  }

  private async call(key: string, work: () => Promise<string>) {
    this.busy.add(key)
    this.notice = undefined
    this.host.update()
    try {
      const message = await work()
      this.notice = { kind: "success", message }
      if (key === "save") this.draft = undefined
      await this.load()
    } catch (error) {
      this.notice = this.host.report(error)
    } finally {
      this.busy.delete(key)
      this.host.update()
    }
  }

  private save(event: Event) {
    event.preventDefault()
    const draft = this.draft
    if (draft === undefined) return
    const fields = {
      thresholdPercent: Number(draft.threshold),
      durationMinutes: Number(draft.duration),
      recipientUserIds: [...draft.recipients],
      enabled: draft.enabled,
    }
    const client = this.host.client()
    return this.call("save", async () => {
      if (draft.editing === "new") {
        const made = await client.post<Alarm>(`${this.path}/alarms`, { metric: draft.metric, ...fields })
        return this.m.created(this.describe(made))
      }
      const changed = await client.patch<Alarm>(`${this.path}/alarms/${encodeURIComponent(draft.editing)}`, fields)
      return this.m.updated(this.describe(changed))
    })
  }

  private remove(alarm: Alarm) {
    const rule = this.describe(alarm)
    this.host.ask({
      action: "alarm",
      kind: "confirm",
      name: rule,
      value: "",
      ask: {
        title: this.m.confirmDelete(rule),
        button: this.m.delete,
        run: () =>
          void this.call(alarm.id, async () => {
            await this.host.client().delete(`${this.path}/alarms/${encodeURIComponent(alarm.id)}`)
            return this.m.deleted(rule)
          }),
      },
    })
  }

  render(detail: VmDetail): TemplateResult {
    const m = this.m
    return html`<section data-alarms aria-labelledby="alarms-title">
      <h3 id="alarms-title">${m.title}</h3>
      ${whenLoaded(this.data, this.host.t, m.title, (data) => {
        const installed = detail.vm.monitoringInstalled
        return html`${
          installed
            ? this.draft === undefined
              ? html`<button type="button" data-act="configure-alarm" @click=${() => this.open(undefined, data.users)}>
                  ${m.configure}</button>`
              : this.form(this.draft, data)
            : html`<p class="muted" data-alarms-unavailable>${m.notInstalled}</p>`
        }
        ${noticeView(this.notice, this.host.t)}
        ${data.alarms.length === 0 ? html`<p class="muted">${m.none}</p>` : this.list(data, installed)}
        <h4>${m.history}</h4>
        ${data.history.length === 0 ? html`<p class="muted">${m.noHistory}</p>` : this.historyTable(data.history)}`
      })}
    </section>`
  }

  private form(draft: Draft, data: AlarmsData) {
    const m = this.m
    const editing = data.alarms.find((alarm) => alarm.id === draft.editing)
    const value = (event: Event) => (event.target as HTMLInputElement).value
    const toggle = (id: string, on: boolean) => {
      const recipients = new Set(draft.recipients)
      if (on) recipients.add(id)
      else recipients.delete(id)
      this.change({ recipients })
    }
    // Recipients the caller's user list lacks (chosen by someone who sees more) stay shown, by id, so they can be kept.
    const listed = new Set(data.users.map((user) => user.id))
    const choices = [
      ...data.users.map((user) => ({ id: user.id, label: `${user.name} · ${user.email}` })),
      ...[...draft.recipients].filter((id) => !listed.has(id)).map((id) => ({ id, label: id })),
    ]
    return html`<form class="inline-form" data-alarm-form novalidate @submit=${(event: Event) => this.save(event)}>
      ${editing === undefined ? nothing : html`<p class="muted">${m.editing(this.describe(editing))}</p>`}
      <label>${m.metric}
        <select name="metric" .value=${draft.metric} ?disabled=${editing !== undefined}
          @change=${(event: Event) => this.change({ metric: value(event) as AlarmMetric })}>
          ${metrics.map((metric) => html`<option value=${metric} ?selected=${metric === draft.metric}>${m.metrics[metric]}</option>`)}
        </select></label>
      <label>${m.threshold}<input name="threshold" type="number" min="1" max="100" .value=${draft.threshold}
        @input=${(event: Event) => this.change({ threshold: value(event) })} /></label>
      <label>${m.duration}<input name="duration" type="number" min="1" max="1440" .value=${draft.duration}
        @input=${(event: Event) => this.change({ duration: value(event) })} /></label>
      <fieldset data-recipients><legend>${m.recipients}</legend>
        ${choices.map(
          ({ id, label }) => html`<label class="check"><input type="checkbox" data-user=${id}
            .checked=${draft.recipients.has(id)}
            @change=${(event: Event) => toggle(id, (event.target as HTMLInputElement).checked)} />${label}</label>`,
        )}
      </fieldset>
      <label class="check"><input name="enabled" type="checkbox" .checked=${draft.enabled}
        @change=${(event: Event) => this.change({ enabled: (event.target as HTMLInputElement).checked })} />${m.enabled}</label>
      <span class="row-actions">
        <button type="submit" class="primary" data-act="save-alarm" ?disabled=${this.busy.has("save")}>${m.save}</button>
        <button type="button" data-act="cancel-alarm" @click=${() => this.close()}>${m.cancel}</button>
      </span>
    </form>`
  }

  private list(data: AlarmsData, installed: boolean) {
    const m = this.m
    const names = new Map(data.users.map((user) => [user.id, user.name]))
    const rows = data.alarms.map((alarm) => {
      const rule = this.describe(alarm)
      const state = !alarm.enabled ? m.off : alarm.firing ? m.firing : m.normal
      return [
        html`<span data-rule-text>${rule}</span>`,
        alarm.recipientUserIds.map((id) => names.get(id) ?? id).join(", "),
        html`<span data-alarm-state=${!alarm.enabled ? "off" : alarm.firing ? "firing" : "normal"}>${state}</span>`,
        formatDateTime(alarm.lastFiredAt, this.host.locale),
        html`<span class="row-actions">
          ${
            installed
              ? rowButton(m.edit, () => this.open(alarm, data.users), {
                  data: "edit-alarm",
                  busy: this.busy.has(alarm.id),
                  title: m.editTitle(rule),
                })
              : nothing
          }
          ${rowButton(m.delete, () => this.remove(alarm), {
            data: "delete-alarm",
            busy: this.busy.has(alarm.id),
            danger: true,
            title: m.deleteTitle(rule),
          })}</span>`,
      ]
    })
    return table(
      [m.alarm, m.recipients, m.state, m.lastFired, this.host.t.tabs.actionsColumn],
      rows,
      data.alarms.map((alarm) => alarm.id),
    )
  }

  private historyTable(history: ReadonlyArray<AlarmEvent>) {
    const m = this.m
    const percent = (value: number | string) => `${Number(value).toFixed(1)} %`
    const rows = history.map((event) => [
      formatDateTime(event.at, this.host.locale),
      html`<span data-alarm-event=${event.kind}>${m.kinds[event.kind]}</span>`,
      m.metrics[event.metric],
      `${percent(event.valuePercent)} / ${percent(event.thresholdPercent)}`,
      event.delivered || event.error === null
        ? event.recipients.join(", ")
        : `${event.recipients.join(", ")} (${m.notDelivered(event.error)})`,
    ])
    return html`<div data-alarm-history>
      ${table(
        [m.at, m.kind, m.metric, `${m.value} / ${m.threshold}`, m.mailed],
        rows,
        history.map((event) => event.id),
      )}
    </div>`
  }
}

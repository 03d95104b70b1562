import { html, nothing, type TemplateResult } from "lit"
import type { AllowedAction, ItemState, Origin } from "../api/types.ts"
import { formatBytes, formatDateTime, type Locale, type Messages } from "../i18n/index.ts"
import type { Loadable, Notice } from "./tab-model.ts"

/** A tab's table; `ids` tags each row (data-id) so a portal's tests and styles can find it. */
export const table = (
  headers: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<unknown>>,
  ids?: ReadonlyArray<string>,
): TemplateResult =>
  html`<table part="tab-table"><thead><tr>${headers.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
    <tbody>${rows.map((row, i) => html`<tr data-id=${ids?.[i] ?? nothing}>${row.map((cell) => html`<td>${cell}</td>`)}</tr>`)}</tbody></table>`

/**
 * An action's outcome where it was taken. A refusal says why in the user's words; the rule that refused it (for
 * support and the portal's code) is in its tooltip and `data-rule`, not in the text.
 */
export const noticeView = (notice: Notice | undefined, t: Messages): TemplateResult | typeof nothing =>
  notice === undefined
    ? nothing
    : html`<p class="banner ${notice.kind}" role=${notice.kind === "error" ? "alert" : "status"} part="notice"
        data-notice=${notice.kind} data-rule=${notice.rule ?? nothing}
        title=${notice.rule === undefined ? nothing : t.tabs.rule(notice.rule)}>${notice.message}</p>`

/** A list's view once loaded; meanwhile what stands in for it: loading, the error, or that the agent lacks it. */
export const whenLoaded = <A>(
  data: Loadable<A>,
  t: Messages,
  what: string,
  view: (value: A) => TemplateResult,
): TemplateResult => {
  switch (data.status) {
    case "absent":
      return html`<p class="muted" data-not-offered>${t.tabs.notOffered(what)}</p>`
    case "loading":
      return html`<p class="muted">${t.common.loading}</p>`
    case "error":
      return html`<p class="error" role="alert">${data.message}</p>`
    case "loaded":
      return view(data.value)
  }
}

/** What the size cell says of an item whose size the hypervisor does not count, with why on hover. */
export interface Uncounted {
  readonly text: string
  readonly title: string
}

/**
 * What snapshots and backups both show: origin, state, size (once ready; `uncounted` instead of a size the hypervisor
 * reports as 0 without counting it) and when it was made.
 */
export const itemCells = (
  item: { readonly origin: Origin; readonly state: ItemState; readonly sizeBytes: number; readonly createdAt: string },
  t: Messages,
  locale: Locale,
  uncounted?: Uncounted,
): ReadonlyArray<unknown> => [
  t.tabs.origins[item.origin],
  html`<span data-item-state=${item.state}>${t.tabs.itemStates[item.state]}</span>`,
  item.state !== "ready"
    ? html`<span data-size>${t.common.none}</span>`
    : uncounted !== undefined
      ? html`<span data-size data-uncounted title=${uncounted.title}>${uncounted.text}</span>`
      : html`<span data-size>${formatBytes(item.sizeBytes, locale)}</span>`,
  formatDateTime(item.createdAt, locale),
]

/** The VM's verdict on an action when it refuses (an agent without the entry leaves the call to judge). */
export const refusalOf = (actions: ReadonlyArray<AllowedAction>, action: string): AllowedAction | undefined =>
  actions.find((entry) => entry.action === action && !entry.allowed)

/**
 * A button in a table row. Given the core's refusal (`refusalOf`), it is disabled with the refusal's message on hover
 * (`title`, `aria-description`) and the rule in `data-rule`, so it never offers what the API would refuse.
 */
export const rowButton = (
  label: string,
  run: () => void,
  options: {
    readonly data: string
    readonly busy?: boolean
    readonly danger?: boolean
    readonly title?: string
    readonly refused?: AllowedAction | undefined
  },
): TemplateResult => {
  const refused = options.refused
  return html`<button type="button" class=${options.danger ? "danger" : ""} data-act=${options.data}
    ?disabled=${options.busy === true || refused !== undefined} aria-label=${options.title ?? nothing}
    title=${refused?.message ?? nothing} aria-description=${refused?.message ?? nothing}
    data-rule=${refused?.rule ?? nothing} @click=${run}>${label}</button>`
}

import { html, nothing, type TemplateResult } from "lit"
import { offeredRoutes, offers } from "../api/capabilities.ts"
import type { ApiClient } from "../api/client.ts"
import type { DailyCost, Quote, VmCosts, VmDetail } from "../api/types.ts"
import { formatMoney, type Locale, type Messages } from "../i18n/index.ts"
import { table } from "./views.ts"

export const tabNames = ["monitoring", "disks", "network", "snapshots", "cost"] as const
export type TabName = (typeof tabNames)[number]

/** What a tab that asks the API found: not offered by this agent (yet), loading, data, or an error. */
export type TabData =
  | { readonly status: "absent" }
  | { readonly status: "loading" }
  | { readonly status: "error"; readonly message: string }
  | { readonly status: "loaded"; readonly value: unknown }

const vmPath = (detail: VmDetail) => `/vms/${encodeURIComponent(detail.vm.id)}`

/** The tabs whose data tabs.ts loads and shows; the others have views of their own (disks-tab.ts, …). */
export type SimpleTab = "cost"

/** What the cost tab shows: the daily rows when the agent keeps them, and today's estimate from the price book. */
interface CostData {
  readonly daily?: VmCosts
  readonly estimate: Quote
}

/**
 * Load the cost tab (D5, M3): the VM's daily cost rows of the last 30 days from GET /vms/{id}/costs when the agent
 * offers it, and the estimate of a day at today's prices from POST /vms/quote (the VM's flavor, image and disks).
 */
export const loadTab = async (_tab: "cost", client: ApiClient, detail: VmDetail): Promise<TabData> => {
  const routes = await offeredRoutes(client)
  const dataDisks = detail.resources.disks
    .filter((disk) => disk.role === "data")
    .map((disk) => ({ sizeGiB: disk.sizeGiB, storageClass: disk.storageClass }))
  const [daily, estimate] = await Promise.all([
    offers(routes, "GET", "/vms/{id}/costs") ? client.get<VmCosts>(`${vmPath(detail)}/costs`) : undefined,
    client.post<Quote>("/vms/quote", {
      flavorId: detail.vm.flavorId,
      imageId: detail.vm.imageId,
      ownerId: detail.vm.ownerId,
      ...(dataDisks.length > 0 ? { dataDisks } : {}),
    }),
  ])
  const value: CostData = daily === undefined ? { estimate } : { daily, estimate }
  return { status: "loaded", value }
}

export interface TabView {
  readonly t: Messages
  readonly locale: Locale
  readonly currency: string
  readonly detail: VmDetail
  readonly data: TabData | undefined
}

const estimateView = (v: TabView, estimate: Quote) => {
  const t = v.t.tabs
  const money = (minor: number) => formatMoney(minor, v.locale, v.currency)
  return html`<p class="muted">${t.costEstimate}</p>
    <dl class="cost" data-cost>
      <dt>${t.costFlavor}</dt><dd>${money(estimate.breakdown.flavor)}</dd>
      <dt>${t.costImage}</dt><dd>${money(estimate.breakdown.image)}</dd>
      <dt>${t.costDisks}</dt><dd>${money(estimate.breakdown.disks)}</dd>
      <dt>${t.costTotal}</dt><dd><strong data-cost-total>${money(estimate.perVmPerDay)}</strong></dd>
    </dl>`
}

/** M3, D5: one row per ended day (newest first), today so far, and the period's total; then the estimate. */
const dailyView = (v: TabView, daily: VmCosts) => {
  const t = v.t.tabs
  const money = (minor: number) => formatMoney(minor, v.locale, v.currency)
  const row = (label: string, d: DailyCost) => [
    label,
    money(d.flavor),
    money(d.storage),
    money(d.image),
    money(d.publicIp),
    money(d.services),
    money(d.gpu),
    money(d.total),
  ]
  const days = [...daily.days].reverse()
  const rows = [...(daily.today === null ? [] : [row(t.costToday, daily.today)]), ...days.map((d) => row(d.day, d))]
  const total = daily.days.reduce((sum, d) => sum + d.total, 0)
  return html`<h4>${t.costDays}</h4>
    <div data-cost-days>
      ${table(
        [t.costDay, t.costFlavor, t.costStorage, t.costImage, t.costPublicIp, t.costServices, t.costGpu, t.costTotal],
        rows,
      )}
    </div>
    ${
      daily.days.length === 0
        ? html`<p class="muted">${t.costNone}</p>`
        : html`<p>${t.costPeriod(daily.days.length)}: <strong data-cost-period>${money(total)}</strong></p>`
    }`
}

const cost = (v: TabView, value: unknown) => {
  const { daily, estimate } = value as CostData
  return html`${daily === undefined ? "" : dailyView(v, daily)}${estimateView(v, estimate)}`
}

export const renderTab = (_tab: SimpleTab, v: TabView): TemplateResult | typeof nothing => {
  const data = v.data
  if (data === undefined || data.status === "loading") return html`<p class="muted">${v.t.common.loading}</p>`
  if (data.status === "error") return html`<p class="error" role="alert">${data.message}</p>`
  if (data.status === "absent") return nothing
  return cost(v, data.value)
}

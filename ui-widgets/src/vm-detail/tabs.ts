import { html, type nothing, type TemplateResult } from "lit"
import { offeredRoutes, offers } from "../api/capabilities.ts"
import type { ApiClient } from "../api/client.ts"
import type { Quote, VmDetail } from "../api/types.ts"
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

/** The tabs whose data tabs.ts loads and shows; disks and snapshots have views of their own (disks-tab.ts, …). */
export type SimpleTab = "monitoring" | "network" | "cost"

/**
 * Load a tab that needs more than the detail (D5). Monitoring and cost ask the routes the agent's OpenAPI document
 * lists; cost falls back to pricing the VM's flavor, image and disks with POST /vms/quote.
 */
export const loadTab = async (tab: "monitoring" | "cost", client: ApiClient, detail: VmDetail): Promise<TabData> => {
  const routes = await offeredRoutes(client)
  const name = tab === "monitoring" ? "metrics" : "cost"
  if (offers(routes, "GET", `/vms/{id}/${name}`)) {
    return { status: "loaded", value: await client.get(`${vmPath(detail)}/${name}`) }
  }
  if (tab !== "cost") return { status: "absent" }
  const dataDisks = detail.resources.disks
    .filter((disk) => disk.role === "data")
    .map((disk) => ({ sizeGiB: disk.sizeGiB, storageClass: disk.storageClass }))
  const quote = await client.post<Quote>("/vms/quote", {
    flavorId: detail.vm.flavorId,
    imageId: detail.vm.imageId,
    ownerId: detail.vm.ownerId,
    ...(dataDisks.length > 0 ? { dataDisks } : {}),
  })
  return { status: "loaded", value: { estimate: quote } }
}

export interface TabView {
  readonly t: Messages
  readonly locale: Locale
  readonly currency: string
  readonly detail: VmDetail
  readonly data: TabData | undefined
}

/** Data from a route this widget has no dedicated view for yet: its fields, plainly. */
const generic = (value: unknown): TemplateResult => {
  const items = Array.isArray(value) ? value : (value as { items?: unknown })?.items
  if (Array.isArray(items)) {
    const keys = [...new Set(items.flatMap((item) => Object.keys(item as object)))].slice(0, 6)
    return table(
      keys,
      items.map((item) => keys.map((key) => JSON.stringify((item as Record<string, unknown>)[key]))),
    )
  }
  return html`<pre>${JSON.stringify(value, null, 2)}</pre>`
}

const network = (v: TabView) => {
  const t = v.t.tabs
  if (v.detail.resources.nics.length === 0) return html`<p class="muted">${t.noNics}</p>`
  const yes = (on: boolean) => (on ? v.t.common.yes : v.t.common.no)
  return table(
    [t.nic.ip, t.nic.secondary, t.nic.mac, t.nic.isDefault, t.nic.dhcp],
    v.detail.resources.nics.map((n) => [
      n.primaryIp,
      n.secondaryIps.join(", ") || v.t.common.none,
      n.mac,
      yes(n.isDefault),
      yes(n.dhcp),
    ]),
  )
}

const cost = (v: TabView, value: unknown) => {
  const estimate = (value as { estimate?: Quote }).estimate
  if (estimate === undefined) return generic(value)
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

export const renderTab = (tab: SimpleTab, v: TabView): TemplateResult | typeof nothing => {
  if (tab === "network") return network(v)
  const data = v.data
  if (data === undefined || data.status === "loading") return html`<p class="muted">${v.t.common.loading}</p>`
  if (data.status === "error") return html`<p class="error" role="alert">${data.message}</p>`
  if (data.status === "absent") {
    return html`<p class="muted" data-not-offered>${v.t.tabs.notOffered(v.t.tabs.monitoringData)}</p>`
  }
  if (tab === "cost") return cost(v, data.value)
  return generic(data.value)
}

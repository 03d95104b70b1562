import { html, type TemplateResult } from "lit"
import { ref } from "lit/directives/ref.js"
import type uPlot from "uplot"
import { offeredRoutes, offers } from "../api/capabilities.ts"
import type { MetricSeries, VmDetail } from "../api/types.ts"
import { formatBytes, type Locale, type Messages } from "../i18n/index.ts"
import { AlarmsSection } from "./alarms-section.ts"
import type { Loadable, TabHost } from "./tab-model.ts"

type Column = ReadonlyArray<number | null>
type ChartKind = "cpu" | "memory" | "disk" | "network"

interface ChartSpec {
  readonly title: (t: Messages) => string
  readonly lines: (s: MetricSeries, t: Messages) => ReadonlyArray<{ readonly label: string; readonly values: Column }>
  readonly format: (value: number, locale: Locale) => string
}

const percent = (value: number, locale: Locale) =>
  `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(value)} %`
const rate = (value: number, locale: Locale) => `${formatBytes(value, locale)}/s`

/** M1: the four charts of the monitoring tab, each from the series' columns. */
const charts: Readonly<Record<ChartKind, ChartSpec>> = {
  cpu: {
    title: (t) => t.tabs.metrics.cpu,
    lines: (s, t) => [{ label: t.tabs.metrics.cpu, values: s.cpuPercent }],
    format: percent,
  },
  memory: {
    title: (t) => t.tabs.metrics.memory,
    lines: (s, t) => [{ label: t.tabs.metrics.memory, values: s.memoryPercent }],
    format: percent,
  },
  disk: {
    title: (t) => t.tabs.metrics.disk,
    lines: (s, t) => [
      { label: t.tabs.metrics.read, values: s.diskReadBps },
      { label: t.tabs.metrics.write, values: s.diskWriteBps },
    ],
    format: rate,
  },
  network: {
    title: (t) => t.tabs.metrics.network,
    lines: (s, t) => [
      { label: t.tabs.metrics.received, values: s.netRxBps },
      { label: t.tabs.metrics.sent, values: s.netTxBps },
    ],
    format: rate,
  },
}
const kinds = Object.keys(charts) as ReadonlyArray<ChartKind>
const strokes = ["#2563eb", "#dc2626"] as const

/** The newest value a column has, if any: what the caption shows beside the chart. */
const latest = (values: Column): number | undefined => {
  for (let i = values.length - 1; i >= 0; i--) {
    const value = values[i]
    if (value !== null && value !== undefined) return value
  }
  return undefined
}

/** The fewest seconds between two polls, whatever the collector's interval. */
const minimumPollSeconds = 5

/**
 * The monitoring tab (M1): CPU, memory, disk and network of the last hour as uPlot charts, asked again every
 * collector interval while the tab is open. uPlot loads on first use (its own chunk), so a portal that never opens
 * the tab never downloads it. Below the charts, the VM's alarms (R1, M2), where the manual configures them.
 */
export class MonitoringTab {
  data: Loadable<MetricSeries> = { status: "loading" }
  readonly alarms: AlarmsSection
  private readonly host: TabHost
  private readonly vmId: string
  private readonly drawn = new Map<ChartKind, { readonly chart: uPlot; readonly element: HTMLElement }>()
  private timer: ReturnType<typeof setTimeout> | undefined
  private plot: Promise<typeof uPlot> | undefined

  constructor(host: TabHost, vmId: string) {
    this.host = host
    this.vmId = vmId
    this.alarms = new AlarmsSection(host, vmId)
  }

  /** Ask now, then every interval until stop(); the alarms once. */
  refresh(): void {
    this.stop(false)
    void this.load()
    void this.alarms.load()
  }

  /** The tab closed or the element left the page: no more polling; the charts go with their elements. */
  stop(destroy = true): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    if (!destroy) return
    for (const { chart } of this.drawn.values()) chart.destroy()
    this.drawn.clear()
  }

  private async load(): Promise<void> {
    const client = this.host.client()
    try {
      if (!offers(await offeredRoutes(client), "GET", "/vms/{id}/metrics")) {
        this.data = { status: "absent" }
        return this.host.update()
      }
      const series = await client.get<MetricSeries>(`/vms/${encodeURIComponent(this.vmId)}/metrics`)
      this.data = { status: "loaded", value: series }
      this.host.update()
      for (const [kind, { element }] of this.drawn) void this.draw(kind, element)
      const every = Math.max(minimumPollSeconds, series.stepSeconds)
      this.timer = setTimeout(() => void this.load(), every * 1000)
    } catch (error) {
      this.data = { status: "error", message: this.host.report(error).message }
      this.host.update()
    }
  }

  private uPlot(): Promise<typeof uPlot> {
    this.plot ??= import("uplot").then((module) => module.default)
    return this.plot
  }

  /** Draw (or redraw with new data) one chart into the element Lit rendered for it. */
  private async draw(kind: ChartKind, element: HTMLElement | undefined): Promise<void> {
    const current = this.drawn.get(kind)
    if (element === undefined || (current !== undefined && current.element !== element)) {
      current?.chart.destroy()
      this.drawn.delete(kind)
      if (element === undefined) return
    }
    if (this.data.status !== "loaded") return
    const series = this.data.value
    const lines = charts[kind].lines(series, this.host.t)
    const data = [series.at, ...lines.map((line) => line.values)] as unknown as uPlot.AlignedData
    const existing = this.drawn.get(kind)
    if (existing !== undefined) return existing.chart.setData(data)
    const UPlot = await this.uPlot()
    if (!element.isConnected || this.drawn.has(kind)) return
    const { locale, t } = this.host
    // The time axis and the legend's time in the element's language (uPlot's own formats are English).
    const clock = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
    const clockSeconds = new Intl.DateTimeFormat(locale, {
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    })
    /** Ticks less than a minute apart need their seconds to differ. */
    const timeTicks = (ticks: ReadonlyArray<number>) => {
      const format = (ticks[1] ?? Number.POSITIVE_INFINITY) - (ticks[0] ?? 0) < 60 ? clockSeconds : clock
      return ticks.map((v) => format.format(new Date(v * 1000)))
    }
    const moment = new Intl.DateTimeFormat(locale, { dateStyle: "short", timeStyle: "medium" })
    const chart = new UPlot(
      {
        width: Math.max(240, element.clientWidth || 480),
        height: 140,
        legend: { show: lines.length > 1 },
        series: [
          {
            label: t.tabs.metrics.time,
            value: (_: uPlot, v: number | null) => (v === null ? "–" : moment.format(new Date(v * 1000))),
          },
          ...lines.map((line, i) => ({
            label: line.label,
            stroke: i === 0 ? strokes[0] : strokes[1],
            width: 1.5,
            value: (_: uPlot, v: number | null) => (v === null ? "–" : charts[kind].format(v, locale)),
          })),
        ],
        axes: [
          { values: (_: uPlot, ticks: number[]) => timeTicks(ticks) },
          { size: 88, values: (_: uPlot, ticks: number[]) => ticks.map((v) => charts[kind].format(v, locale)) },
        ],
        scales: kind === "cpu" || kind === "memory" ? { y: { range: [0, 100] } } : {},
      },
      data,
      element,
    )
    this.drawn.set(kind, { chart, element })
  }

  render(detail: VmDetail): TemplateResult {
    return html`${this.charts()}${this.alarms.render(detail)}`
  }

  private charts(): TemplateResult {
    const { t, locale } = this.host
    const data = this.data
    if (data.status === "loading") return html`<p class="muted">${t.common.loading}</p>`
    if (data.status === "error") return html`<p class="error" role="alert">${data.message}</p>`
    if (data.status === "absent") {
      return html`<p class="muted" data-not-offered>${t.tabs.notOffered(t.tabs.monitoringData)}</p>`
    }
    const series = data.value
    const m = t.tabs.metrics
    return html`<p class="muted" data-metrics-live>
        ${series.at.length === 0 ? m.noSamples : m.live(Math.max(minimumPollSeconds, series.stepSeconds))}
      </p>
      <div class="metrics">
        ${kinds.map((kind) => {
          const spec = charts[kind]
          const lines = spec.lines(series, t)
          const values = lines.map((line) => {
            const value = latest(line.values)
            return `${lines.length > 1 ? `${line.label} ` : ""}${value === undefined ? "–" : spec.format(value, locale)}`
          })
          return html`<figure class="metric" data-metric=${kind}>
            <figcaption>${spec.title(t)} · ${m.latest}: <span data-latest=${kind}>${values.join(", ")}</span></figcaption>
            <div class="chart" ${ref((element) => void this.draw(kind, element as HTMLElement | undefined))}></div>
          </figure>`
        })}
      </div>`
  }
}

import { html, nothing, type TemplateResult } from "lit"
import type { Quote } from "../api/types.ts"
import { formatMemory, formatMoney, type Locale, type Messages } from "../i18n/index.ts"
import { exceeds } from "./form.ts"

export interface QuoteView {
  readonly t: Messages
  readonly locale: Locale
  readonly currency: string
  readonly quote: Quote | undefined
  readonly error: string | undefined
  readonly demand: {
    readonly cpus: number
    readonly memoryMiB: number
    readonly diskGiB: number
    readonly vmCount: number
  }
}

/** C7: the owner's department's remaining quota and the price, as the API quotes them for the current choice. */
export const renderQuote = (v: QuoteView): TemplateResult => {
  const t = v.t.create
  const quote = v.quote
  const body = () => {
    if (v.error !== undefined) return html`<p class="error" role="alert">${v.error}</p>`
    if (quote === undefined) return html`<p class="muted">${t.chooseForQuote}</p>`
    const rows: Array<[string, keyof Quote["remaining"], (n: number) => string]> = [
      [t.quoteCpus, "cpus", String],
      [t.quoteMemory, "memoryMiB", formatMemory],
      [t.quoteDisk, "diskGiB", (n) => `${n} GiB`],
      [t.quoteVms, "vmCount", String],
    ]
    const money = (minor: number) => formatMoney(minor, v.locale, v.currency)
    return html`<h4>${t.remaining}</h4>
      <dl class="quota">
        ${rows.map(([label, key, format]) => {
          const remaining = quote.remaining[key]
          const over = exceeds(remaining, v.demand[key])
          return html`<dt>${label}</dt>
            <dd data-quota=${key} class=${over ? "error" : ""}>${remaining === null ? v.t.common.unlimited : format(remaining)}
              ${over ? html`<span class="error" role="alert"> · ${t.exceeds}</span>` : nothing}</dd>`
        })}
      </dl>
      <dl class="price">
        <dt>${t.perVm}</dt><dd data-price="per-vm">${money(quote.perVmPerDay)}</dd>
        <dt>${t.total}</dt><dd data-price="total"><strong>${money(quote.totalPerDay)}</strong></dd>
      </dl>`
  }
  return html`<aside class="quote" part="quote" aria-live="polite" aria-labelledby="quote-title">
    <h3 id="quote-title">${t.quote}</h3>
    ${body()}
  </aside>`
}

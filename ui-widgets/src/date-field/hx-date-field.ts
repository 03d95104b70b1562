import { css, html, LitElement, type PropertyDeclarations, type PropertyValues } from "lit"
import { type Locale, localeOf } from "../i18n/locale.ts"
import { defineElement } from "../internal/define.ts"
import {
  type DatePart,
  type DateParts,
  dateText,
  dateValueOf,
  digits,
  emptyDate,
  partOrder,
  partsOf,
  stepPart,
} from "./date-parts.ts"

/**
 * #21: a date input that follows the element's language, not the browser's: `<input type=date>` writes mm/dd/yyyy
 * in an English browser even inside a Chinese widget. Three numeric parts in the language's order (zh-CN: 年 月 日;
 * en: month / day / year), each labelled; typing a full part moves to the next, Backspace in an empty part goes back,
 * ArrowUp/ArrowDown step a part. `value` is YYYY-MM-DD, "" when empty, or the parts as typed when they are not a
 * real day (validIsoDate says no; the form shows its rule). An `input` event (composed) follows every change.
 */
export class HxDateField extends LitElement {
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true }
  static override properties: PropertyDeclarations = {
    value: {},
    locale: {},
    label: {},
    invalid: { type: Boolean },
    parts: { state: true },
  }
  static override styles = css`
    :host { display: inline-block; }
    [role="group"] { display: inline-flex; align-items: center; gap: 0.25em; }
    input { font: inherit; color: inherit; background: var(--hx-surface, #fff); border: 1px solid var(--hx-border, #ccc);
      border-radius: var(--hx-radius, 4px); padding: 0.3em 0.4em; text-align: center; font-variant-numeric: tabular-nums; }
    input[data-part="year"] { width: 4.2em; }
    input[data-part="month"], input[data-part="day"] { width: 2.6em; }
    :host([invalid]) input { border-color: var(--hx-danger, #b3261e); }
  `

  declare value: string
  /** The language to write the date in; empty: the nearest `lang` above the field (through shadow roots). */
  declare locale: Locale | ""
  /** The field's accessible name (the visible label beside it). */
  declare label: string
  declare invalid: boolean
  declare protected parts: DateParts

  constructor() {
    super()
    this.value = ""
    this.locale = ""
    this.label = ""
    this.invalid = false
    this.parts = emptyDate
  }

  protected override willUpdate(changed: PropertyValues): void {
    // A value set from outside (a dialog opened on a VM's date, a form reset) replaces the parts; the field's own
    // partial input (not yet a date) stays as typed.
    if (changed.has("value") && this.value !== dateValueOf(this.parts)) {
      const parts = partsOf(this.value)
      if (parts !== undefined) this.parts = parts
    }
  }

  private get language(): Locale {
    return this.locale === "" ? localeOf(this) : this.locale
  }

  private change(parts: DateParts, announce: boolean) {
    this.parts = parts
    this.value = dateValueOf(parts)
    if (announce) this.dispatchEvent(new Event("input", { bubbles: true, composed: true }))
  }

  private inputOf(part: DatePart | undefined): HTMLInputElement | null {
    return part === undefined ? null : (this.renderRoot.querySelector(`input[data-part="${part}"]`) as HTMLInputElement)
  }

  private typed(part: DatePart, event: Event) {
    const target = event.target as HTMLInputElement
    const text = target.value.replace(/\D/g, "").slice(0, digits[part])
    if (text !== target.value) target.value = text
    // The native input event goes on out of the shadow root (composed) with the new value already set.
    this.change({ ...this.parts, [part]: text }, false)
    if (text.length === digits[part]) {
      const order = partOrder(this.language)
      this.inputOf(order[order.indexOf(part) + 1])?.focus()
    }
  }

  private key(part: DatePart, event: KeyboardEvent) {
    const order = partOrder(this.language)
    if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      event.preventDefault()
      this.change(stepPart(this.parts, part, event.key === "ArrowUp" ? 1 : -1, new Date()), true)
    } else if (event.key === "Backspace" && (event.target as HTMLInputElement).value === "") {
      this.inputOf(order[order.indexOf(part) - 1])?.focus()
    }
  }

  protected override render() {
    const text = dateText[this.language]
    const order = partOrder(this.language)
    return html`<div role="group" part="date-field" aria-label=${this.label} data-format=${text.format}>
      ${order.map(
        (part, i) => html`<input type="text" inputmode="numeric" autocomplete="off" part="input" data-part=${part}
          aria-label=${text.labels[part]} placeholder=${text.placeholders[part]} maxlength=${digits[part]}
          aria-invalid=${this.invalid} .value=${this.parts[part]}
          @input=${(event: Event) => this.typed(part, event)}
          @keydown=${(event: KeyboardEvent) => this.key(part, event)} />${
            text.after[part] !== ""
              ? html`<span aria-hidden="true">${text.after[part]}</span>`
              : i < order.length - 1
                ? html`<span aria-hidden="true">/</span>`
                : ""
          }`,
      )}
    </div>`
  }
}

defineElement("hx-date-field", HxDateField)

declare global {
  interface HTMLElementTagNameMap {
    "hx-date-field": HxDateField
  }
}

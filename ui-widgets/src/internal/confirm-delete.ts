import { html } from "lit"

export interface ConfirmDelete {
  /** Whether this row's deletion waits for the second click. */
  readonly asking: boolean
  readonly busy: boolean
  readonly question: string
  readonly deleteLabel: string
  readonly cancelLabel: string
  readonly ask: () => void
  readonly confirm: () => void
  readonly cancel: () => void
}

/** A row's Delete button that asks in place: the question, then Delete (`data-confirm-delete`) or Cancel. */
export const confirmDeleteCell = (c: ConfirmDelete) =>
  c.asking
    ? html`<span>${c.question}</span>
        <button type="button" part="button" data-confirm-delete ?disabled=${c.busy} @click=${c.confirm}>
          ${c.deleteLabel}</button>
        <button type="button" part="button" @click=${c.cancel}>${c.cancelLabel}</button>`
    : html`<button type="button" part="button" data-delete ?disabled=${c.busy} @click=${c.ask}>${c.deleteLabel}</button>`

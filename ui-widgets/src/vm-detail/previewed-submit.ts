import { html, nothing, type TemplateResult } from "lit"
import type { AllowedAction } from "../api/types.ts"

/**
 * #21: a form's submit button that follows the core's preview like the row buttons (views.ts rowButton): given the
 * VM's refusal for the action (refusalOf), it is disabled with the refusal's message on hover (`title`,
 * `aria-description`) and the rule in `data-rule`, so "Take snapshot" or "Create disk" is never offered when the
 * API would refuse it.
 */
export const previewedSubmit = (
  label: string,
  options: { readonly data: string; readonly busy: boolean; readonly refused: AllowedAction | undefined },
): TemplateResult => {
  const refused = options.refused
  return html`<button type="submit" class="primary" data-act=${options.data}
    ?disabled=${options.busy || refused !== undefined} title=${refused?.message ?? nothing}
    aria-description=${refused?.message ?? nothing} data-rule=${refused?.rule ?? nothing}>${label}</button>`
}

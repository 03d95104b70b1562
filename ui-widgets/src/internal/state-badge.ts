import { html, type TemplateResult } from "lit"
import { isTransient } from "../../../core/lifecycle/states.ts"
import type { VmState } from "../api/types.ts"
import type { Messages } from "../i18n/index.ts"

/** A VM's state as a badge; transient states (the core's own list) pulse until they end. */
export const stateBadge = (state: VmState, t: Messages): TemplateResult =>
  html`<span class="state" part="state" data-state=${state} ?data-transient=${isTransient(state)}
    >${t.states[state] ?? state}</span
  >`

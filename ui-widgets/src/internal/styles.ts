import { css } from "lit"

/**
 * The theme every element reads. A portal sets the public --hx-* custom properties on the element or any ancestor;
 * the private --_* ones resolve them with defaults, so an unset property never blanks a colour.
 */
export const themeStyles = css`
  :host {
    --_font: var(--hx-font, system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif);
    --_text: var(--hx-text, #1f2933);
    --_muted: var(--hx-muted, #5f6b7a);
    --_surface: var(--hx-surface, #ffffff);
    --_subtle: var(--hx-subtle, #f3f5f8);
    --_border: var(--hx-border, #d3d9e0);
    --_accent: var(--hx-accent, #2454c5);
    --_on-accent: var(--hx-on-accent, #ffffff);
    --_danger: var(--hx-danger, #b42318);
    --_on-danger: var(--hx-on-danger, #ffffff);
    --_warning: var(--hx-warning, #a15c07);
    --_success: var(--hx-success, #18794e);
    --_radius: var(--hx-radius, 6px);
    --_space: var(--hx-space, 8px);
    --_focus: 0 0 0 3px color-mix(in srgb, var(--_accent) 40%, transparent);
    display: block;
    box-sizing: border-box;
    font-family: var(--_font);
    font-size: var(--hx-font-size, 14px);
    line-height: 1.45;
    color: var(--_text);
  }
  /*
   * theme="dark": defaults for a dark page, every colour pair at WCAG AA contrast (4.5:1) or better; the --hx-*
   * properties still win. On a dark surface the light theme's deep red would fall to about 2.7:1.
   */
  :host([theme="dark"]) {
    --_text: var(--hx-text, #e6e9ef);
    --_muted: var(--hx-muted, #a3adbb);
    --_surface: var(--hx-surface, #16181d);
    --_subtle: var(--hx-subtle, #20242c);
    --_border: var(--hx-border, #3a414d);
    --_accent: var(--hx-accent, #8fb0ff);
    --_on-accent: var(--hx-on-accent, #0b1020);
    --_danger: var(--hx-danger, #ff8a80);
    --_on-danger: var(--hx-on-danger, #1a0d0c);
    --_warning: var(--hx-warning, #f5b14c);
    --_success: var(--hx-success, #5fd39b);
    color-scheme: dark;
    background: var(--_surface);
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  button,
  input,
  select,
  textarea {
    font: inherit;
    color: inherit;
  }
  button {
    cursor: pointer;
    border: 1px solid var(--_border);
    background: var(--_surface);
    border-radius: var(--_radius);
    padding: calc(var(--_space) * 0.5) calc(var(--_space) * 1.25);
    min-height: 32px;
  }
  button:hover:not(:disabled) {
    border-color: var(--_accent);
  }
  button.primary {
    background: var(--_accent);
    border-color: var(--_accent);
    color: var(--_on-accent);
  }
  button.danger {
    color: var(--_danger);
  }
  button.primary.danger {
    background: var(--_danger);
    border-color: var(--_danger);
    color: var(--_on-danger);
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.55;
  }
  input,
  select,
  textarea {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    padding: calc(var(--_space) * 0.5) var(--_space);
    min-height: 32px;
  }
  input[type="checkbox"],
  input[type="radio"] {
    min-height: 0;
    accent-color: var(--_accent);
  }
  input[aria-invalid="true"],
  textarea[aria-invalid="true"] {
    border-color: var(--_danger);
  }
  :focus-visible {
    outline: none;
    box-shadow: var(--_focus);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  .error {
    color: var(--_danger);
  }
  .warning {
    color: var(--_warning);
  }
  .muted {
    color: var(--_muted);
  }
  .banner {
    border: 1px solid currentColor;
    border-radius: var(--_radius);
    padding: var(--_space);
    margin: var(--_space) 0;
  }
  dialog {
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 1.5);
    padding: calc(var(--_space) * 2);
    max-width: min(640px, 92vw);
    color: var(--_text);
    background: var(--_surface);
    font-family: var(--_font);
  }
  dialog::backdrop {
    background: rgb(15 23 42 / 45%);
  }
  dialog h2 {
    margin-top: 0;
    font-size: 1.15em;
  }
  .dialog-buttons {
    display: flex;
    justify-content: flex-end;
    gap: var(--_space);
    margin-top: calc(var(--_space) * 2);
  }
`

/** The list elements' tables (VMs, hosts): full width, a rule under each row. */
export const tableStyles = css`
  table {
    width: 100%;
    border-collapse: collapse;
  }
  th,
  td {
    text-align: start;
    padding: calc(var(--_space) * 0.75) var(--_space);
    border-bottom: 1px solid var(--_border);
    vertical-align: middle;
  }
`

/** The state badge: a dot and the state's name; transient states pulse. */
export const stateStyles = css`
  .state {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    white-space: nowrap;
  }
  .state::before {
    content: "";
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: var(--hx-state-transient, #d08700);
  }
  .state[data-state="running"]::before {
    background: var(--hx-state-running, #1f9d55);
  }
  .state[data-state="stopped"]::before {
    background: var(--hx-state-stopped, #8a94a3);
  }
  .state[data-state="error"]::before {
    background: var(--hx-state-error, #d92d20);
  }
  .state[data-transient]::before {
    animation: hx-pulse 1s ease-in-out infinite alternate;
  }
  @keyframes hx-pulse {
    to {
      opacity: 0.25;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .state[data-transient]::before {
      animation: none;
    }
  }
`

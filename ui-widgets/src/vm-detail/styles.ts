import { css } from "lit"

export const detailStyles = css`
  header {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: calc(var(--_space) * 1.5);
  }
  header h2 {
    margin: 0;
    font-size: 1.35em;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_space);
    margin: calc(var(--_space) * 1.5) 0;
  }
  .sep {
    border-inline-start: 1px solid var(--_border);
  }
  .blocks {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(220px, 1fr));
    gap: calc(var(--_space) * 1.5);
  }
  .block {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: var(--_space) calc(var(--_space) * 1.5);
    background: var(--_surface);
  }
  .block.devices {
    margin-top: calc(var(--_space) * 1.5);
  }
  .block h3 {
    margin: 0 0 var(--_space);
    font-size: 1em;
  }
  dl {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 4px calc(var(--_space) * 1.5);
    margin: 0;
  }
  dt {
    color: var(--_muted);
  }
  dd {
    margin: 0;
    overflow-wrap: anywhere;
  }
  .tabs {
    display: flex;
    gap: 2px;
    margin-top: calc(var(--_space) * 2);
    border-bottom: 1px solid var(--_border);
  }
  [role="tab"] {
    border: none;
    border-bottom: 3px solid transparent;
    border-radius: 0;
    background: none;
  }
  [role="tab"][aria-selected="true"] {
    border-bottom-color: var(--_accent);
    color: var(--_accent);
    font-weight: 600;
  }
  .panel {
    padding: calc(var(--_space) * 1.5) 0;
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  th,
  td {
    text-align: start;
    padding: 6px var(--_space);
    border-bottom: 1px solid var(--_border);
  }
  .panel h3 {
    margin: calc(var(--_space) * 2) 0 var(--_space);
    font-size: 1em;
  }
  .panel h4 {
    margin: calc(var(--_space) * 1.5) 0 var(--_space);
    font-size: 0.95em;
  }
  .inline-form,
  .schedule-form,
  .row-actions,
  .form-buttons {
    display: flex;
    flex-wrap: wrap;
    align-items: end;
    gap: var(--_space);
  }
  .inline-form,
  .schedule-form {
    margin-bottom: var(--_space);
  }
  .inline-form label,
  .schedule-form label {
    display: flex;
    flex-direction: column;
    gap: 2px;
  }
  .schedule-form input[type="number"] {
    width: 7em;
  }
  label.check {
    flex-direction: row;
    align-items: center;
    gap: 6px;
    min-height: 32px;
  }
  .banner.success {
    color: var(--_success);
  }
  .rule {
    font-size: 0.9em;
    opacity: 0.85;
  }
  .disk-panel {
    margin-top: calc(var(--_space) * 2);
    padding-top: var(--_space);
    border-top: 2px solid var(--_border);
  }
  .password {
    font-size: 1.2em;
    user-select: all;
  }
  dialog label {
    display: block;
    margin-bottom: 4px;
  }
  dialog input,
  dialog textarea {
    width: 100%;
  }
  .metrics {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(280px, 1fr));
    gap: calc(var(--_space) * 1.5);
  }
  .metric {
    margin: 0;
  }
  .metric figcaption {
    font-size: 0.9em;
    margin-bottom: calc(var(--_space) / 2);
  }
`

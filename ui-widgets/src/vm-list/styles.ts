import { css } from "lit"

export const listStyles = css`
  .toolbar,
  .batch,
  .pager {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--_space);
  }
  .toolbar {
    margin-bottom: var(--_space);
  }
  .toolbar input[type="search"] {
    flex: 1 1 220px;
    min-width: 160px;
  }
  .live {
    width: 10px;
    height: 10px;
    border-radius: 50%;
    background: var(--_muted);
  }
  .live[data-live="true"] {
    background: var(--_success);
  }
  .chooser {
    display: flex;
    flex-wrap: wrap;
    gap: calc(var(--_space) * 0.5) calc(var(--_space) * 1.5);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    margin: 0 0 var(--_space);
  }
  .filter-bar {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_space) calc(var(--_space) * 2);
    margin-bottom: var(--_space);
  }
  .batch {
    padding: calc(var(--_space) * 0.5) 0;
    color: var(--_muted);
  }
  .table-wrap {
    overflow-x: auto;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
  }
  th,
  td {
    /* Rows keep one line: a live update that changes a cell never reflows the table under the user's pointer. */
    white-space: nowrap;
  }
  thead th {
    background: var(--hx-header-bg, var(--_subtle));
    font-weight: 600;
    white-space: nowrap;
  }
  tbody th {
    font-weight: normal;
  }
  tbody tr:hover,
  tbody tr[aria-selected="true"] {
    background: color-mix(in srgb, var(--_accent) 7%, transparent);
  }
  .filters td {
    background: var(--_subtle);
  }
  .filters input,
  .filters select {
    width: 100%;
    min-width: 90px;
  }
  .check {
    width: 36px;
  }
  .num,
  .num button.sort {
    text-align: end;
    font-variant-numeric: tabular-nums;
  }
  .empty {
    text-align: center;
    color: var(--_muted);
    padding: calc(var(--_space) * 3);
  }
  button.sort,
  button.link {
    border: none;
    background: none;
    padding: 0;
    min-height: 0;
    font-weight: inherit;
    text-align: start;
  }
  button.link {
    color: var(--_accent);
    text-decoration: underline;
    text-underline-offset: 2px;
  }
  .footer {
    display: flex;
    flex-wrap: wrap;
    justify-content: space-between;
    align-items: center;
    gap: var(--_space);
    margin-top: var(--_space);
  }
  .totals {
    margin: 0;
  }
  .batch-vms {
    padding-inline-start: 1.2em;
    max-height: 40vh;
    overflow: auto;
  }
  .batch-vms li {
    margin: 4px 0;
  }
  .ok {
    color: var(--_success);
  }
`

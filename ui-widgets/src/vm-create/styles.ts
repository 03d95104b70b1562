import { css } from "lit"

export const createStyles = css`
  .stepper {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_space);
    list-style: none;
    padding: 0;
    margin: 0 0 calc(var(--_space) * 2);
  }
  .stepper button[aria-current="step"] {
    background: var(--_accent);
    border-color: var(--_accent);
    color: var(--_on-accent);
  }
  .layout {
    display: grid;
    grid-template-columns: minmax(0, 1fr) minmax(200px, 280px);
    gap: calc(var(--_space) * 2);
    align-items: start;
  }
  @media (max-width: 700px) {
    .layout {
      grid-template-columns: 1fr;
    }
  }
  form h3 {
    margin-top: 0;
  }
  .field {
    display: flex;
    flex-direction: column;
    gap: 4px;
    margin-bottom: calc(var(--_space) * 1.5);
    max-width: 440px;
  }
  label {
    font-weight: 500;
  }
  fieldset {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    margin: 0 0 calc(var(--_space) * 1.5);
    padding: var(--_space) calc(var(--_space) * 1.5);
  }
  .tags label,
  .disk label {
    display: flex;
    flex-direction: column;
    gap: 4px;
    margin-bottom: var(--_space);
    max-width: 440px;
  }
  .choice {
    display: grid;
    grid-template-columns: auto 1fr auto;
    gap: var(--_space);
    align-items: center;
    padding: var(--_space);
    border-radius: var(--_radius);
    font-weight: normal;
  }
  .choice:has(input:checked) {
    background: color-mix(in srgb, var(--_accent) 9%, transparent);
  }
  .check {
    display: block;
    font-weight: normal;
    margin: var(--_space) 0;
  }
  .disk {
    border-bottom: 1px dashed var(--_border);
    margin-bottom: var(--_space);
  }
  .nav {
    display: flex;
    justify-content: space-between;
    margin-top: calc(var(--_space) * 2);
  }
  .quote {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: var(--_space) calc(var(--_space) * 1.5);
    background: var(--_subtle);
  }
  .quote h3 {
    margin: 0 0 var(--_space);
    font-size: 1em;
  }
  .quote h4 {
    margin: var(--_space) 0 4px;
    font-size: 0.9em;
    color: var(--_muted);
  }
  dl {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 4px var(--_space);
    margin: 0;
  }
  dt {
    color: var(--_muted);
  }
  dd {
    margin: 0;
  }
  .price {
    margin-top: var(--_space);
  }
  .summary {
    max-width: 560px;
  }
  table[part~="networks"] {
    border-collapse: collapse;
    width: 100%;
    margin: var(--_space) 0;
  }
  table[part~="networks"] th,
  table[part~="networks"] td {
    text-align: start;
    vertical-align: top;
    padding: 6px 8px;
    border-bottom: 1px solid var(--_border);
  }
  table[part~="networks"] td label {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    margin-inline-end: var(--_space);
  }
  table[part~="networks"] input[data-ip] {
    width: 10em;
  }
`

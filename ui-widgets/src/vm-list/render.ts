import { html, nothing, type TemplateResult } from "lit"
import type { Flavor, Host, VmPage, VmRow } from "../api/types.ts"
import { formatMemory, type Locale, type Messages } from "../i18n/index.ts"
import { stateBadge } from "../internal/state-badge.ts"
import { type BatchAction, batchActions, type SelectedVm } from "./batch.ts"
import { type ColumnName, cellText, columnNames, numericColumns, sortableColumns } from "./columns.ts"
import type { ListFilters, ListSort } from "./query.ts"

/** What the list's template reads and calls; the element builds it on each render. */
export interface ListView {
  readonly t: Messages
  readonly locale: Locale
  readonly page: VmPage | undefined
  readonly loading: boolean
  readonly error: string | undefined
  readonly filters: ListFilters
  readonly sort: ListSort
  readonly visible: ReadonlyArray<ColumnName>
  readonly filtersOpen: boolean
  readonly chooserOpen: boolean
  readonly selection: ReadonlyMap<string, SelectedVm>
  readonly exporting: boolean
  readonly flavors: ReadonlyArray<Flavor>
  readonly hosts: ReadonlyArray<Host>
  readonly viewSwitch: boolean
  readonly live: boolean
  readonly pageSize: number
  readonly offset: number
  setFilter(key: keyof ListFilters, value: string): void
  toggleSort(column: ColumnName): void
  toggleColumn(column: ColumnName, on: boolean): void
  resetColumns(): void
  setPageSize(size: number): void
  goTo(offset: number): void
  toggleRow(row: VmRow, on: boolean): void
  togglePage(on: boolean): void
  openVm(id: string): void
  exportXlsx(): void
  openBatch(action: BatchAction): void
  clearSelection(): void
  toggleFilters(): void
  toggleChooser(): void
}

const eventValue = (event: Event) => (event.target as HTMLInputElement | HTMLSelectElement).value
const checkedOf = (event: Event) => (event.target as HTMLInputElement).checked

export const renderToolbar = (v: ListView): TemplateResult => html`<div class="toolbar" part="toolbar">
    <input type="search" part="search" aria-label=${v.t.list.search} placeholder=${v.t.list.searchPlaceholder}
      .value=${v.filters.search} @input=${(e: Event) => v.setFilter("search", eventValue(e))} />
    ${
      v.viewSwitch
        ? html`<label class="view">${v.t.list.view}
            <select part="view-switch" aria-label=${v.t.list.view} .value=${v.filters.view}
              @change=${(e: Event) => v.setFilter("view", eventValue(e))}>
              <option value="managed" ?selected=${v.filters.view === "managed"}>${v.t.list.viewManaged}</option>
              <option value="mine" ?selected=${v.filters.view === "mine"}>${v.t.list.viewMine}</option>
            </select></label>`
        : nothing
    }
    <button type="button" part="button" aria-expanded=${v.filtersOpen} aria-controls="filter-row"
      @click=${v.toggleFilters}>${v.t.list.filters}</button>
    <button type="button" part="button" aria-expanded=${v.chooserOpen} aria-controls="chooser"
      @click=${v.toggleChooser}>${v.t.list.columns}</button>
    <button type="button" part="button" data-export ?disabled=${v.exporting} @click=${v.exportXlsx}>
      ${v.exporting ? v.t.list.exporting : v.t.list.export}</button>
    <span class="live" part="live" data-live=${v.live} role="img" aria-label=${v.live ? v.t.common.live : v.t.common.offline}
      title=${v.live ? v.t.common.live : v.t.common.offline}></span>
  </div>
  ${v.chooserOpen ? renderChooser(v) : nothing}
  <div class="batch" part="batch-bar" role="toolbar" aria-label=${v.t.list.batchActions}>
    <span role="status">${v.t.list.selected(v.selection.size)}</span>
    ${batchActions.map(
      (action) => html`<button type="button" part="button" data-batch=${action} ?disabled=${v.selection.size === 0}
        class=${action === "delete" ? "danger" : ""} @click=${() => v.openBatch(action)}>${v.t.batch[action]}</button>`,
    )}
    ${v.selection.size > 0 ? html`<button type="button" class="link" @click=${v.clearSelection}>${v.t.list.clearSelection}</button>` : nothing}
  </div>`

const renderChooser = (v: ListView) => html`<fieldset id="chooser" class="chooser" part="column-chooser">
  <legend>${v.t.list.columnsTitle}</legend>
  ${columnNames.map(
    (column) => html`<label><input type="checkbox" data-column=${column} .checked=${v.visible.includes(column)}
      ?disabled=${column === "displayName"} @change=${(e: Event) => v.toggleColumn(column, checkedOf(e))} />
      ${v.t.columns[column]}</label>`,
  )}
  <button type="button" @click=${v.resetColumns}>${v.t.list.defaultColumns}</button>
</fieldset>`

const ariaSort = (v: ListView, column: ColumnName) =>
  v.sort.by === column ? (v.sort.order === "asc" ? "ascending" : "descending") : "none"

const headerCell = (v: ListView, column: ColumnName) => {
  const label = v.t.columns[column]
  // A numeric column's header sits over its right-aligned figures.
  const align = numericColumns.has(column) ? "num" : ""
  if (!sortableColumns.has(column)) return html`<th scope="col" part="header-cell" class=${align}>${label}</th>`
  const arrow = v.sort.by === column ? (v.sort.order === "asc" ? " ▲" : " ▼") : ""
  return html`<th scope="col" part="header-cell" class=${align} aria-sort=${ariaSort(v, column)}>
    <button type="button" class="sort" data-sort=${column} aria-label=${v.t.list.sortBy(label)}
      @click=${() => v.toggleSort(column)}>${label}${arrow}</button>
  </th>`
}

/** The columns the API filters by (L4); their controls sit under their headers, or above the table when hidden. */
const filterable: ReadonlyArray<ColumnName> = ["displayName", "state", "flavorName", "hostName", "tags"]

/** Filters for columns the user has hidden: a bar above the table, each control labelled like the header's. */
const renderHiddenFilters = (v: ListView) => {
  const hidden = filterable.filter((column) => !v.visible.includes(column))
  if (!v.filtersOpen || hidden.length === 0) return nothing
  return html`<div class="filter-bar" part="filter-bar">
    ${hidden.map((column) => html`<label>${v.t.columns[column]} ${filterControl(v, column)}</label>`)}
  </div>`
}

/** L4: the header's filter row, one control under each column the API filters by. */
const filterCell = (v: ListView, column: ColumnName) => html`<td>${filterControl(v, column)}</td>`

const filterControl = (v: ListView, column: ColumnName) => {
  const text = (key: "name" | "tag", label: string) =>
    html`<input type="text" aria-label=${label} data-filter=${key} .value=${v.filters[key]}
      @change=${(e: Event) => v.setFilter(key, eventValue(e))} />`
  const select = (key: "state" | "flavorId" | "hostId", label: string, any: string, options: Array<[string, string]>) =>
    html`<select aria-label=${label} data-filter=${key} @change=${(e: Event) => v.setFilter(key, eventValue(e))}>
      <option value="" ?selected=${v.filters[key] === ""}>${any}</option>
      ${options.map(([value, name]) => html`<option value=${value} ?selected=${v.filters[key] === value}>${name}</option>`)}
    </select>`
  switch (column) {
    case "displayName":
      return text("name", v.t.list.filterName)
    case "state":
      return select("state", v.t.list.filterState, v.t.list.anyState, Object.entries(v.t.states))
    case "flavorName":
      return select(
        "flavorId",
        v.t.list.filterFlavor,
        v.t.list.anyFlavor,
        v.flavors.map((f) => [f.id, f.name]),
      )
    case "hostName":
      return select(
        "hostId",
        v.t.list.filterHost,
        v.t.list.anyHost,
        v.hosts.map((h) => [h.id, h.name]),
      )
    case "tags":
      return text("tag", v.t.list.filterTag)
    default:
      return nothing
  }
}

const bodyCell = (v: ListView, row: VmRow, column: ColumnName) => {
  if (column === "displayName") {
    const name = row.displayName ?? row.id
    return html`<th scope="row" part="cell"><button type="button" class="link" part="vm-link" data-open=${row.id}
      aria-label=${v.t.list.open(name)} @click=${() => v.openVm(row.id)}>${name}</button></th>`
  }
  if (column === "state") return html`<td part="cell">${row.state ? stateBadge(row.state, v.t) : v.t.common.none}</td>`
  return html`<td part="cell" class=${numericColumns.has(column) ? "num" : ""}>${cellText(row, column, v.t, v.locale)}</td>`
}

export const renderTable = (v: ListView): TemplateResult => {
  const rows = v.page?.items ?? []
  const pageSelected = rows.length > 0 && rows.every((row) => v.selection.has(row.id))
  return html`${renderHiddenFilters(v)}<div class="table-wrap" part="table-wrap">
    <table part="table" aria-label=${v.t.list.label} aria-busy=${v.loading}>
      <thead>
        <tr>
          <th scope="col" class="check"><input type="checkbox" aria-label=${v.t.list.selectPage}
            .checked=${pageSelected} ?disabled=${rows.length === 0} @change=${(e: Event) => v.togglePage(checkedOf(e))} /></th>
          ${v.visible.map((column) => headerCell(v, column))}
        </tr>
        ${v.filtersOpen ? html`<tr id="filter-row" class="filters" part="filter-row"><td></td>${v.visible.map((c) => filterCell(v, c))}</tr>` : nothing}
      </thead>
      <tbody>
        ${rows.map(
          (row) => html`<tr part="row" data-vm-id=${row.id} aria-selected=${v.selection.has(row.id)}>
            <td class="check"><input type="checkbox" aria-label=${v.t.list.selectRow(row.displayName ?? row.id)}
              .checked=${v.selection.has(row.id)} @change=${(e: Event) => v.toggleRow(row, checkedOf(e))} /></td>
            ${v.visible.map((column) => bodyCell(v, row, column))}
          </tr>`,
        )}
        ${rows.length === 0 && !v.loading && v.page !== undefined ? html`<tr><td colspan=${v.visible.length + 1} class="empty">${v.t.list.empty}</td></tr>` : nothing}
      </tbody>
    </table>
  </div>`
}

/** L5 totals over everything that matched, and paging. */
export const renderFooter = (v: ListView): TemplateResult => {
  const page = v.page
  const total = page?.total ?? 0
  const from = total === 0 ? 0 : v.offset + 1
  const to = Math.min(v.offset + v.pageSize, total)
  return html`<div class="footer" part="footer">
    <p class="totals" part="totals" data-totals>
      <strong>${v.t.list.totals}</strong> · ${v.t.list.count(total)}
      ${
        page
          ? html` · ${v.t.columns.cpus} ${page.totals.cpus} · ${v.t.columns.memoryMiB} ${formatMemory(page.totals.memoryMiB)}
            · ${v.t.columns.diskGiB} ${page.totals.diskGiB} GiB`
          : nothing
      }
    </p>
    <nav class="pager" part="pager" aria-label=${v.t.list.label}>
      <label>${v.t.list.pageSize}
        <select @change=${(e: Event) => v.setPageSize(Number(eventValue(e)))}>
          ${[10, 20, 50, 100].map((size) => html`<option value=${size} ?selected=${size === v.pageSize}>${size}</option>`)}
        </select></label>
      <span role="status">${v.t.list.range(from, to, total)}</span>
      <button type="button" part="button" aria-label=${v.t.list.previous} ?disabled=${v.offset === 0}
        @click=${() => v.goTo(Math.max(0, v.offset - v.pageSize))}>‹</button>
      <button type="button" part="button" aria-label=${v.t.list.next} ?disabled=${to >= total}
        @click=${() => v.goTo(v.offset + v.pageSize)}>›</button>
    </nav>
  </div>`
}

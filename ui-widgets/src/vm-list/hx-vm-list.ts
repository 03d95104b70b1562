import { html, type PropertyDeclarations, type PropertyValues } from "lit"
import type { Flavor, Host, PlatformEvent, VmPage } from "../api/types.ts"
import { HxSelectionChangeEvent, HxVmOpenEvent } from "../events.ts"
import { saveFile } from "../internal/download.ts"
import { HxElement } from "../internal/hx-element.ts"
import { stateStyles, tableStyles, themeStyles } from "../internal/styles.ts"
import { type BatchAction, BatchController } from "./batch.ts"
import { type ColumnName, columnNames, defaultColumns, parseColumns } from "./columns.ts"
import { firstPlace, goTo, type PagePlace, pageParams, withNext } from "./paging.ts"
import {
  filterQuery,
  type ListFilters,
  type ListSort,
  noFilters,
  rememberColumns,
  rememberedColumns,
  requestedColumns,
} from "./query.ts"
import { type ListView, renderFooter, renderTable, renderToolbar } from "./render.ts"
import { refreshed, type Selection, toggled } from "./selection.ts"
import { listStyles } from "./styles.ts"

/**
 * <hx-vm-list>: the VM list (L1–L7). Global search, header filters, a remembered column chooser, sorting, paging,
 * a totals footer, the mine/managed switch, multi-select with batch actions behind a confirm dialog, XLSX export of
 * the current filter, and states that follow the events stream without reloading the page.
 */
export class HxVmList extends HxElement {
  static override styles = [themeStyles, stateStyles, tableStyles, listStyles]
  static override properties: PropertyDeclarations = {
    pageSize: { attribute: "page-size", type: Number },
    columns: {},
    storageKey: { attribute: "storage-key" },
    viewSwitch: { attribute: "view-switch", type: Boolean },
    view: { reflect: true },
    page: { state: true },
    loading: { state: true },
    error: { state: true },
    filters: { state: true },
    sort: { state: true },
    place: { state: true },
    visible: { state: true },
    filtersOpen: { state: true },
    chooserOpen: { state: true },
    selection: { state: true },
    exporting: { state: true },
    flavors: { state: true },
    hosts: { state: true },
  }

  declare pageSize: number
  /** The default columns, comma-separated (API column names); the user's choice overrides them. */
  declare columns: string
  /** Remember the column choice under this key (several lists on one portal). */
  declare storageKey: string
  /** Show the "VMs I manage / my VMs" switch (L1); for admins. */
  declare viewSwitch: boolean
  /** managed or mine. */
  declare view: "managed" | "mine"
  declare protected page: VmPage | undefined
  declare protected loading: boolean
  declare protected error: string | undefined
  declare protected filters: ListFilters
  declare protected sort: ListSort
  declare protected place: PagePlace
  declare protected visible: ReadonlyArray<ColumnName>
  declare protected filtersOpen: boolean
  declare protected chooserOpen: boolean
  declare protected selection: Selection
  declare protected exporting: boolean
  declare protected flavors: ReadonlyArray<Flavor>
  declare protected hosts: ReadonlyArray<Host>

  private readonly batch: BatchController
  private requestSeq = 0
  private searchTimer: ReturnType<typeof setTimeout> | undefined
  private reloadTimer: ReturnType<typeof setTimeout> | undefined

  constructor() {
    super()
    this.pageSize = 20
    this.columns = ""
    this.storageKey = ""
    this.viewSwitch = false
    this.view = "managed"
    this.page = undefined
    this.loading = false
    this.error = undefined
    this.filters = noFilters
    this.sort = { by: "createdAt", order: "desc" }
    this.place = firstPlace
    this.visible = defaultColumns
    this.filtersOpen = false
    this.chooserOpen = false
    this.selection = new Map()
    this.exporting = false
    this.flavors = []
    this.hosts = []
    this.batch = new BatchController(this, {
      client: () => this.client,
      t: () => this.t,
      taskStarted: (task) => this.taskStarted(task),
      report: (error) => this.report(error),
      dialog: () => this.renderRoot.querySelector("dialog"),
      done: () => {
        this.select(new Map())
        void this.reload()
      },
    })
  }

  /** The IDs of the selected VMs. */
  get selectedIds(): ReadonlyArray<string> {
    return [...this.selection.keys()]
  }

  /** Reload the page now (a portal may call it after its own changes). */
  refresh(): Promise<void> {
    return this.reload()
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has("columns") || changed.has("storageKey")) {
      this.visible = rememberedColumns(this.storageKey) ?? parseColumns(this.columns) ?? defaultColumns
    }
    if (changed.has("view") && this.filters.view !== this.view) this.filters = { ...this.filters, view: this.view }
    if (changed.has("pageSize") && changed.get("pageSize") !== undefined) this.place = firstPlace
    super.willUpdate(changed)
    if ((changed.has("view") || changed.has("pageSize")) && !changed.has("token") && this.ready && this.hasUpdated) {
      void this.reload()
    }
  }

  protected override async reload(): Promise<void> {
    if (!this.ready) return
    const seq = ++this.requestSeq
    this.loading = true
    try {
      const page = await this.client.get<VmPage>("/vms", {
        ...filterQuery(this.filters, this.sort),
        columns: requestedColumns(this.visible),
        ...pageParams(this.place),
        limit: this.pageSize,
      })
      if (seq !== this.requestSeq) return
      this.page = page
      this.place = withNext(this.place, page.next, this.pageSize)
      this.error = undefined
      this.selection = refreshed(this.selection, page.items)
    } catch (error) {
      if (seq === this.requestSeq) this.error = this.report(error).message
    } finally {
      if (seq === this.requestSeq) this.loading = false
    }
  }

  protected override platformEvent(event: PlatformEvent): void {
    if (event._tag === "vm-state" && this.page?.items.some((row) => row.id === event.vmId)) {
      const items = this.page.items.map((row) => (row.id === event.vmId ? { ...row, state: event.to } : row))
      this.page = { ...this.page, items }
      this.selection = refreshed(this.selection, items)
    }
    // Creates, deletes and state changes can move rows in or out of the filter: reload soon, at most once per
    // 400 ms however busy the stream is (a debounce could starve); the reload fetches whatever the burst changed.
    this.reloadTimer ??= setTimeout(() => {
      this.reloadTimer = undefined
      void this.reload()
    }, 400)
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    clearTimeout(this.reloadTimer)
    this.reloadTimer = undefined
    clearTimeout(this.searchTimer)
  }

  protected override render() {
    if (!this.ready) return this.signedOut()
    const view = this.listView()
    return html`<section part="base" aria-label=${this.t.list.label}>
      ${renderToolbar(view)}
      ${this.error ? html`<p class="banner error" role="alert" part="error">${this.error}</p>` : ""}
      ${renderTable(view)} ${renderFooter(view)} ${this.batch.render()}
    </section>`
  }

  private listView(): ListView {
    return {
      t: this.t,
      locale: this.locale,
      page: this.page,
      loading: this.loading,
      error: this.error,
      filters: this.filters,
      sort: this.sort,
      visible: this.visible,
      filtersOpen: this.filtersOpen,
      chooserOpen: this.chooserOpen,
      selection: this.selection,
      exporting: this.exporting,
      flavors: this.flavors,
      hosts: this.hosts,
      viewSwitch: this.viewSwitch,
      live: this.live,
      pageSize: this.pageSize,
      offset: this.place.offset,
      setFilter: (key, value) => this.setFilter(key, value),
      toggleSort: (column) => {
        const order = this.sort.by === column && this.sort.order === "asc" ? "desc" : "asc"
        this.sort = { by: column, order }
        // A cursor belongs to its sort.
        this.place = { offset: this.place.offset, cursors: new Map() }
        void this.reload()
      },
      toggleColumn: (column, on) => {
        const chosen = new Set(on ? [...this.visible, column] : this.visible.filter((name) => name !== column))
        this.visible = columnNames.filter((name) => chosen.has(name) || name === "displayName")
        rememberColumns(this.storageKey, this.visible)
        void this.reload()
      },
      resetColumns: () => {
        rememberColumns(this.storageKey, undefined)
        this.visible = parseColumns(this.columns) ?? defaultColumns
        void this.reload()
      },
      setPageSize: (size) => {
        this.pageSize = size
      },
      goTo: (offset) => {
        this.place = goTo(this.place, offset)
        void this.reload()
      },
      toggleRow: (row, on) => this.select(toggled(this.selection, [row], on)),
      togglePage: (on) => this.select(toggled(this.selection, this.page?.items ?? [], on)),
      openVm: (id) => this.dispatchEvent(new HxVmOpenEvent(id)),
      exportXlsx: () => void this.exportXlsx(),
      openBatch: (action: BatchAction) => void this.batch.open(action, [...this.selection.values()]),
      clearSelection: () => this.select(new Map()),
      toggleFilters: () => {
        this.filtersOpen = !this.filtersOpen
        if (this.filtersOpen) void this.loadFilterChoices()
      },
      toggleChooser: () => {
        this.chooserOpen = !this.chooserOpen
      },
    }
  }

  private setFilter(key: keyof ListFilters, value: string) {
    this.filters = { ...this.filters, [key]: value }
    if (key === "view") this.view = value === "mine" ? "mine" : "managed"
    this.place = firstPlace
    clearTimeout(this.searchTimer)
    // Typing in the search box asks once the user pauses; the other filters ask at once.
    if (key === "search") this.searchTimer = setTimeout(() => void this.reload(), 300)
    else void this.reload()
  }

  private select(selection: Selection) {
    this.selection = selection
    this.dispatchEvent(new HxSelectionChangeEvent([...selection.keys()]))
  }

  private async loadFilterChoices() {
    if (this.flavors.length > 0) return
    try {
      const [flavors, hosts] = await Promise.all([
        this.client.get<{ items: ReadonlyArray<Flavor> }>("/flavors"),
        this.client.get<{ items: ReadonlyArray<Host> }>("/hosts"),
      ])
      this.flavors = flavors.items
      this.hosts = hosts.items
    } catch (error) {
      this.report(error)
    }
  }

  /** L6: the current filter, sort and columns as XLSX, saved under the name the agent gives. */
  private async exportXlsx() {
    this.exporting = true
    try {
      const query = { ...filterQuery(this.filters, this.sort), columns: this.visible }
      const { blob, fileName } = await this.client.download("/vms/export.xlsx", query, "vms.xlsx")
      saveFile(this.renderRoot, blob, fileName)
    } catch (error) {
      this.error = this.report(error).message
    } finally {
      this.exporting = false
    }
  }
}

import { css, html, nothing, type PropertyDeclarations } from "lit"
import type { AllowedAction, PlatformEvent, RecycleBinPage, RecycledVmRow, Task, VmDetail } from "../api/types.ts"
import { formatDateTime, formatMemory } from "../i18n/index.ts"
import { operationName } from "../i18n/operations.ts"
import { HxEditableList } from "../internal/hx-editable-list.ts"
import { tableStyles, themeStyles } from "../internal/styles.ts"
import { type RecycleBinMessages, recycleBinMessages } from "./messages.ts"

const columns = ["displayName", "hostname", "ownerName", "cpus", "memoryMiB", "recycledAt"] as const
/** Operations after which the bin's content may have changed, whoever ran them. */
const binOperations = new Set(["vm.delete", "vm.restore", "vm.purge"])
/** At most this many detail requests at once while reading the verdicts of an older agent's rows. */
const verdictConcurrency = 6

const styles = css`
  .toolbar {
    display: flex;
    gap: var(--_space);
    align-items: center;
    margin-bottom: var(--_space);
  }
  .row-actions {
    display: flex;
    flex-wrap: wrap;
    gap: calc(var(--_space) / 2);
    align-items: center;
  }
  .confirm {
    display: grid;
    gap: calc(var(--_space) / 2);
  }
`

/**
 * <hx-recycle-bin>: the deleted VMs of the caller's scope (G3, B4), newest first, with when each was deleted; restore
 * one (it comes back stopped) or purge it for good after a confirmation, optionally with its data disks. Whether each
 * button is enabled is the API's verdict for that VM and caller (`restore`, `purge` of each row's allowedActions in
 * GET /recycle-bin, the detail's own: a superadmin restores, an admin purges), never a rule kept here.
 */
export class HxRecycleBin extends HxEditableList {
  static override styles = [themeStyles, tableStyles, styles]
  static override properties: PropertyDeclarations = {
    pageSize: { attribute: "page-size", type: Number },
    page: { state: true },
    offset: { state: true },
    verdicts: { state: true },
    alsoDisks: { state: true },
    notice: { state: true },
  }

  /** Rows per page (default 20). */
  declare pageSize: number
  declare protected page: RecycleBinPage | undefined
  declare protected offset: number
  /** Each row's allowedActions as the API computed them; absent while asking. */
  declare protected verdicts: ReadonlyMap<string, ReadonlyArray<AllowedAction>>
  /** The purge being confirmed also deletes the VM's data disks. */
  declare protected alsoDisks: boolean
  /** What the last restore or purge did. */
  declare protected notice: string
  private reloadTimer: ReturnType<typeof setTimeout> | undefined
  private seq = 0

  constructor() {
    super()
    this.pageSize = 20
    this.page = undefined
    this.offset = 0
    this.verdicts = new Map()
    this.alsoDisks = false
    this.notice = ""
  }

  /** The deleted VMs of the page shown. */
  get items(): ReadonlyArray<RecycledVmRow> {
    return this.page?.items ?? []
  }

  private readonly refresh = () => {
    this.error = ""
    void this.reload()
  }

  private get m(): RecycleBinMessages {
    return recycleBinMessages(this.locale)
  }

  protected override async reload(): Promise<void> {
    const seq = ++this.seq
    try {
      const page = await this.client.get<RecycleBinPage>("/recycle-bin", {
        columns: [...columns],
        sort: "createdAt",
        order: "desc",
        offset: this.offset,
        limit: this.pageSize,
      })
      if (seq !== this.seq) return
      // Past the last page (its VMs were restored or purged meanwhile): show the page before.
      if (page.items.length === 0 && this.offset > 0) {
        this.offset = Math.max(0, this.offset - this.pageSize)
        return this.reload()
      }
      this.page = page
      const verdicts = await this.readVerdicts(page.items)
      if (seq === this.seq) this.verdicts = verdicts
    } catch (error) {
      if (seq === this.seq) this.error = this.report(error).message
    }
  }

  /**
   * Each row's verdicts, as the page brought them (G3). An agent older than that sends rows without them: those are
   * read from each VM's detail, and a row that cannot be read keeps its buttons disabled.
   */
  private async readVerdicts(rows: ReadonlyArray<RecycledVmRow>) {
    const verdicts = new Map<string, ReadonlyArray<AllowedAction>>()
    const queue: Array<RecycledVmRow> = []
    for (const row of rows) {
      const carried: ReadonlyArray<AllowedAction> | undefined = row.allowedActions
      if (carried === undefined) queue.push(row)
      else verdicts.set(row.id, carried)
    }
    const worker = async () => {
      for (let row = queue.shift(); row !== undefined; row = queue.shift()) {
        try {
          verdicts.set(row.id, (await this.client.get<VmDetail>(`/vms/${encodeURIComponent(row.id)}`)).allowedActions)
        } catch {
          // Gone meanwhile (purged elsewhere): the next reload drops the row.
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(verdictConcurrency, queue.length) }, worker))
    return verdicts
  }

  protected override platformEvent(event: PlatformEvent): void {
    if (event._tag !== "task" || !binOperations.has(event.task.operation)) return
    if (event.task.state !== "succeeded" && event.task.state !== "failed") return
    this.reloadTimer ??= setTimeout(() => {
      this.reloadTimer = undefined
      void this.reload()
    }, 300)
  }

  /** A restore (answered finished) or purge this element started has ended: say how, and read the bin again. */
  protected override taskFinished(task: Task): void {
    this.busy = false
    const name = this.page?.items.find((row) => row.id === task.vmId)?.displayName ?? task.vmId ?? ""
    if (task.state === "succeeded") {
      this.notice = task.operation === "vm.purge" ? this.m.purged(name) : this.m.restored(name)
    } else {
      this.error = task.error?.message ?? this.t.common.taskFailed(operationName(task.operation, this.locale))
    }
    void this.reload()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    clearTimeout(this.reloadTimer)
    this.reloadTimer = undefined
  }

  /** Ask for a restore or purge; the buttons stay busy until its task ends (taskFinished). */
  private async act(call: () => Promise<{ readonly task: Task }>) {
    this.busy = true
    this.error = ""
    this.notice = ""
    try {
      const { task } = await call()
      this.deleting = ""
      this.taskStarted(task)
    } catch (error) {
      this.error = this.report(error).message
      this.busy = false
    }
  }

  private restore(row: RecycledVmRow) {
    return this.act(() => this.client.post(`/recycle-bin/${encodeURIComponent(row.id)}/restore`, {}))
  }

  private purge(row: RecycledVmRow) {
    const query = this.alsoDisks ? { deleteDataDisks: true } : {}
    return this.act(() => this.client.delete(`/recycle-bin/${encodeURIComponent(row.id)}`, query))
  }

  private button(row: RecycledVmRow, action: "restore" | "purge", label: string, title: string, run: () => void) {
    const verdict = this.verdicts.get(row.id)?.find((entry) => entry.action === action)
    const refused = verdict !== undefined && !verdict.allowed
    const hint = verdict === undefined ? this.m.checking : refused ? (verdict.message ?? "") : title
    return html`<button type="button" part="button" data-act=${action} class=${action === "purge" ? "danger" : ""}
      ?disabled=${this.busy || verdict === undefined || refused} title=${hint} aria-label=${title}
      aria-description=${refused ? hint : nothing} data-rule=${refused ? (verdict.rule ?? nothing) : nothing}
      @click=${run}>${label}</button>`
  }

  private actions(row: RecycledVmRow, m: RecycleBinMessages) {
    const name = row.displayName ?? row.id
    if (this.deleting === row.id) {
      return html`<div class="confirm" role="group" aria-label=${m.purgeTitle(name)}>
        <span>${m.confirmPurge(name)}</span>
        <label><input type="checkbox" data-also-disks .checked=${this.alsoDisks}
          @change=${(event: Event) => (this.alsoDisks = (event.target as HTMLInputElement).checked)} /> ${m.alsoDisks}</label>
        <span class="row-actions">
          <button type="button" part="button" class="danger" data-confirm-purge ?disabled=${this.busy}
            @click=${() => void this.purge(row)}>${m.purge}</button>
          <button type="button" part="button" @click=${() => (this.deleting = "")}>${m.cancel}</button>
        </span>
      </div>`
    }
    const askPurge = () => {
      this.alsoDisks = false
      this.deleting = row.id
    }
    return html`<span class="row-actions">
      ${this.button(row, "restore", m.restore, m.restoreTitle(name), () => void this.restore(row))}
      ${this.button(row, "purge", m.purge, m.purgeTitle(name), askPurge)}
    </span>`
  }

  private row(row: RecycledVmRow, m: RecycleBinMessages) {
    return html`<tr part="row" data-vm-id=${row.id}>
      <td part="name">${row.displayName}</td>
      <td>${row.hostname}</td>
      <td>${row.ownerName}</td>
      <td>${row.cpus} / ${row.memoryMiB === undefined ? "" : formatMemory(row.memoryMiB)}</td>
      <td data-deleted>${formatDateTime(row.recycledAt, this.locale)}</td>
      <td>${this.actions(row, m)}</td>
    </tr>`
  }

  private pager(page: RecycleBinPage, m: RecycleBinMessages) {
    const go = (offset: number) => {
      this.offset = offset
      void this.reload()
    }
    if (page.total <= page.limit) return nothing
    return html`<p class="toolbar" part="pager">
      <button type="button" part="button" data-page="previous" ?disabled=${this.offset === 0}
        @click=${() => go(Math.max(0, this.offset - this.pageSize))}>${m.previous}</button>
      <span>${m.range(this.offset + 1, this.offset + page.items.length, page.total)}</span>
      <button type="button" part="button" data-page="next" ?disabled=${this.offset + page.items.length >= page.total}
        @click=${() => go(this.offset + this.pageSize)}>${m.next}</button>
    </p>`
  }

  protected override render() {
    if (!this.ready) return this.signedOut()
    const m = this.m
    const page = this.page
    return html`<section part="base" aria-label=${m.label}>
      <p class="toolbar" part="toolbar">
        <span class="muted">${m.keptNote}</span>
        <button type="button" part="button" data-refresh @click=${this.refresh}>${m.refresh}</button>
      </p>
      ${this.error ? html`<p class="banner error" role="alert" part="error">${this.error}</p>` : nothing}
      ${this.notice ? html`<p class="banner" role="status" part="notice" data-notice>${this.notice}</p>` : nothing}
      ${
        page === undefined
          ? html`<p class="muted" role="status">${this.t.common.loading}</p>`
          : html`<table part="table">
              <thead><tr>
                <th scope="col">${m.name}</th><th scope="col">${m.hostname}</th><th scope="col">${m.owner}</th>
                <th scope="col">${m.size}</th><th scope="col">${m.deleted}</th><th scope="col"></th>
              </tr></thead>
              <tbody>${page.items.map((row) => this.row(row, m))}</tbody>
            </table>
            ${page.items.length === 0 ? html`<p class="muted" data-empty>${m.empty}</p>` : nothing}
            ${this.pager(page, m)}`
      }
    </section>`
  }
}

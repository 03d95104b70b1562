import { html, nothing, type PropertyDeclarations, type PropertyValues, unsafeCSS } from "lit"
import uplotCss from "uplot/dist/uPlot.min.css"
import type { AllowedAction, Flavor, Image, PlatformEvent, Task, User, VmDetail } from "../api/types.ts"
import { HxConsoleOpenEvent } from "../events.ts"
import { HxElement } from "../internal/hx-element.ts"
import { stateBadge } from "../internal/state-badge.ts"
import { stateStyles, themeStyles } from "../internal/styles.ts"
import { actionSpecs, inputValue, visibleActions } from "./actions.ts"
import { renderBlocks } from "./blocks.ts"
import { DevicesSection, stopDialog } from "./devices-section.ts"
import { type ActionDialog, renderActionDialog } from "./dialog.ts"
import { DisksTab } from "./disks-tab.ts"
import { loginDialog } from "./login-dialogs.ts"
import { hostOptions, type MigrationEvent, renderMigration } from "./migration.ts"
import { MonitoringTab } from "./monitoring-tab.ts"
import { NetworkTab } from "./network-tab.ts"
import { SnapshotsTab } from "./snapshots-tab.ts"
import { detailStyles } from "./styles.ts"
import type { TabHost } from "./tab-model.ts"
import { loadTab, renderTab, type TabData, type TabName, tabNames } from "./tabs.ts"

/**
 * <hx-vm-detail vm-id=…>: one VM (D1–D5). Info blocks, the actions the API says the caller may take now (from the
 * detail's allowedActions: refused ones are greyed out with the rule's message), and the tabs monitoring, disks,
 * network, snapshots and daily cost, each showing what this agent's API offers. Follows the events stream: the
 * snapshots and disks tabs refresh when a task on this VM ends.
 */
export class HxVmDetail extends HxElement {
  static override styles = [themeStyles, stateStyles, detailStyles, unsafeCSS(uplotCss)]
  static override properties: PropertyDeclarations = {
    vmId: { attribute: "vm-id", reflect: true },
    currency: {},
    detail: { state: true },
    error: { state: true },
    busy: { state: true },
    tab: { state: true },
    tabData: { state: true },
    dialog: { state: true },
    migration: { state: true },
  }

  declare vmId: string
  /** ISO 4217 code for prices; default CNY. */
  declare currency: string
  declare protected detail: VmDetail | undefined
  declare protected error: { readonly message: string; readonly rule?: string } | undefined
  declare protected busy: string | undefined
  declare protected tab: TabName
  declare protected tabData: ReadonlyMap<TabName, TabData>
  declare protected dialog: ActionDialog | undefined
  /** R9: the last progress event of this VM's live migration. */
  declare protected migration: MigrationEvent | undefined

  private reloadTimer: ReturnType<typeof setTimeout> | undefined
  private seq = 0
  private snapshotsTab: SnapshotsTab | undefined
  private disksTab: DisksTab | undefined
  private networkTab: NetworkTab | undefined
  private monitoringTab: MonitoringTab | undefined
  /** D4: the bound resources (ISO, USB, GPU) and their dialogs. */
  private devices: DevicesSection | undefined
  /** A task on this VM ended since the last refresh: the open snapshots or disks tab asks again. */
  private tabsStale = false
  /** What a tab does once a task it started has finished. */
  private readonly followUps = new Map<string, (task: Task) => void>()
  private readonly tabHost: TabHost

  constructor() {
    super()
    this.vmId = ""
    this.currency = "CNY"
    this.detail = undefined
    this.error = undefined
    this.busy = undefined
    this.tab = "disks"
    this.tabData = new Map()
    this.dialog = undefined
    this.migration = undefined
    this.tabHost = this.hostForTabs()
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has("vmId")) {
      this.detail = undefined
      this.tabData = new Map()
      this.error = undefined
      this.snapshotsTab = undefined
      this.disksTab = undefined
      this.networkTab = undefined
      this.monitoringTab?.stop()
      this.monitoringTab = undefined
      this.devices = undefined
    }
    super.willUpdate(changed)
    if (changed.has("vmId") && !changed.has("token") && this.ready && this.vmId !== "") void this.reload()
  }

  /** The connection, language or stream changed: the detail and the open snapshots or disks tab ask again. */
  protected override async reload(): Promise<void> {
    const tab = this.tab
    const open =
      tab === "snapshots"
        ? this.snapshotsTab
        : tab === "disks"
          ? this.disksTab
          : tab === "network"
            ? this.networkTab
            : tab === "monitoring"
              ? this.monitoringTab
              : undefined
    const devices = this.devices
    await this.loadDetail()
    open?.refresh()
    if (devices !== undefined && this.detail !== undefined) devices.refresh(this.detail)
  }

  private async loadDetail(): Promise<void> {
    if (!this.ready || this.vmId === "") return
    const seq = ++this.seq
    try {
      const detail = await this.client.get<VmDetail>(`/vms/${encodeURIComponent(this.vmId)}`)
      if (seq !== this.seq) return
      this.detail = detail
      this.error = undefined
      if (this.devices === undefined) {
        this.devices = new DevicesSection(this.tabHost, detail.vm.id)
        this.devices.refresh(detail)
      }
      const opened =
        this.tab === "snapshots"
          ? this.snapshotsTab !== undefined
          : this.tab === "disks"
            ? this.disksTab !== undefined
            : this.tab === "monitoring"
              ? this.monitoringTab !== undefined
              : this.tab === "network"
                ? this.networkTab !== undefined
                : this.tabData.has(this.tab)
      if (!opened) void this.openTab(this.tab)
    } catch (error) {
      if (seq === this.seq) this.error = this.report(error)
    }
  }

  protected override platformEvent(event: PlatformEvent): void {
    const vmId = event._tag === "task" ? event.task.vmId : event.vmId
    if (vmId !== this.vmId) return
    // Progress is shown as it comes; the detail is read again only when the migration's task ends.
    if (event._tag === "vm-migration") {
      this.migration = event
      return
    }
    // R1 M2: a rule fired or recovered; the alarms (their state, the history) are read again, the charts keep polling
    if (event._tag === "vm-alarm") {
      void this.monitoringTab?.alarms.load()
      return
    }
    this.soon(event._tag === "task" && (event.task.state === "succeeded" || event.task.state === "failed"))
  }

  protected override taskFinished(task: Task): void {
    const then = this.followUps.get(task.id)
    this.followUps.delete(task.id)
    then?.(task)
    this.soon(true)
  }

  /** At most one reload per 200 ms however busy the stream is; it fetches whatever the burst changed. */
  private soon(tabs: boolean) {
    this.tabsStale ||= tabs
    this.reloadTimer ??= setTimeout(() => {
      this.reloadTimer = undefined
      void this.loadDetail()
      if (!this.tabsStale) return
      this.tabsStale = false
      if (this.detail) this.devices?.refresh(this.detail)
      if (this.tab === "snapshots") this.snapshotsTab?.refresh()
      if (this.tab === "disks") this.disksTab?.refresh()
      if (this.tab === "network") this.networkTab?.refresh()
    }, 200)
  }

  private hostForTabs(): TabHost {
    const element = this
    return {
      get t() {
        return element.t
      },
      get locale() {
        return element.locale
      },
      client: () => element.client,
      report: (error) => {
        const { message, rule } = element.report(error)
        return { kind: "error", message, ...(rule === undefined ? {} : { rule }) }
      },
      follow: (task, then) => {
        element.followUps.set(task.id, then)
        element.taskStarted(task)
      },
      ask: (dialog) => element.showDialog(dialog),
      update: () => element.requestUpdate(),
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.monitoringTab?.stop()
    clearTimeout(this.reloadTimer)
    this.reloadTimer = undefined
  }

  protected override render() {
    const t = this.t
    if (!this.ready) return this.signedOut()
    if (this.vmId === "") return html`<p class="muted" part="empty">${t.detail.noVm}</p>`
    const detail = this.detail
    if (detail === undefined) {
      return this.error
        ? html`<p class="banner error" role="alert" part="error">${this.error.message}</p>`
        : html`<p class="muted" role="status">${t.common.loading}</p>`
    }
    const { primary, more } = visibleActions(detail.allowedActions)
    return html`<article part="base" aria-labelledby="vm-title" data-state=${detail.runtime.state}>
      <header part="header">
        <h2 id="vm-title">${detail.vm.displayName}</h2>
        ${stateBadge(detail.runtime.state, t)}
        <span class="muted">${detail.vm.hostname}</span>
      </header>
      <div class="actions" part="actions" role="group" aria-label=${t.detail.actions}>
        ${primary.map((entry) => this.actionButton(entry))}
        ${more.length > 0 ? html`<span class="sep" aria-hidden="true"></span>` : nothing}
        ${more.map((entry) => this.actionButton(entry))}
      </div>
      ${
        detail.runtime.state === "migrating"
          ? renderMigration(this.migration, t, { cancel: () => this.cancelMigration(), busy: this.busy !== undefined })
          : nothing
      }
      ${this.error ? html`<p class="banner error" role="alert" part="error" data-rule=${this.error.rule ?? ""}>${this.error.message}</p>` : nothing}
      ${renderBlocks(detail, t, this.locale)}
      ${this.devices?.render(detail) ?? nothing}
      ${this.renderTabs(detail)}
      ${renderActionDialog(this.dialog, t, {
        close: () => this.closeDialog(),
        change: (value) => {
          if (this.dialog) this.dialog = { ...this.dialog, value }
        },
        changeSecret: (secret) => {
          if (this.dialog) this.dialog = { ...this.dialog, secret }
        },
        confirm: () => this.confirmDialog(),
      })}
    </article>`
  }

  private actionButton(entry: AllowedAction) {
    const t = this.t
    const label = (t.actions as Readonly<Record<string, unknown>>)[entry.action]
    const detail = this.detail
    let text = typeof label === "string" ? label : entry.action
    if (detail && entry.action === "ha") text = detail.vm.haEnabled ? t.actions.turnOff(text) : t.actions.turnOn(text)
    if (detail && entry.action === "deletion-protection") {
      text = detail.vm.deletionProtected ? t.actions.turnOff(text) : t.actions.turnOn(text)
    }
    const danger = ["delete", "destroy", "purge", "force-stop", "force-reboot"].includes(entry.action)
    return html`<button type="button" part="action" data-action=${entry.action} class=${danger ? "danger" : ""}
      ?disabled=${!entry.allowed || this.busy !== undefined} title=${entry.allowed ? "" : (entry.message ?? "")}
      aria-description=${entry.allowed ? nothing : (entry.message ?? nothing)} data-rule=${entry.rule ?? ""}
      @click=${() => this.startAction(entry.action)}>${text}</button>`
  }

  private renderTabs(detail: VmDetail) {
    const t = this.t.tabs
    const onKey = (event: KeyboardEvent) => {
      const index = tabNames.indexOf(this.tab)
      const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabNames.length - 1 }[event.key]
      if (next === undefined) return
      event.preventDefault()
      const tab = tabNames[(next + tabNames.length) % tabNames.length] ?? "disks"
      void this.openTab(tab)
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${tab}`)?.focus())
    }
    return html`<div class="tabs" part="tabs" role="tablist" aria-label=${t.label} @keydown=${onKey}>
        ${tabNames.map(
          (tab) => html`<button type="button" role="tab" part="tab" id=${`tab-${tab}`} aria-controls="tab-panel"
            aria-selected=${tab === this.tab} tabindex=${tab === this.tab ? 0 : -1} @click=${() => this.openTab(tab)}>
            ${t[tab]}</button>`,
        )}
      </div>
      <div class="panel" part="panel" role="tabpanel" id="tab-panel" aria-labelledby=${`tab-${this.tab}`} tabindex="0"
        data-tab=${this.tab}>
        ${this.renderPanel(detail)}
      </div>`
  }

  private renderPanel(detail: VmDetail) {
    const tab = this.tab
    if (tab === "snapshots") return this.snapshotsTab?.render(detail) ?? nothing
    if (tab === "disks") return this.disksTab?.render(detail, this.currency) ?? nothing
    if (tab === "monitoring") return this.monitoringTab?.render(detail) ?? nothing
    if (tab === "network") return this.networkTab?.render(detail) ?? nothing
    const data = this.tabData.get(tab)
    return renderTab(tab, { t: this.t, locale: this.locale, currency: this.currency, detail, data })
  }

  private async openTab(tab: TabName) {
    this.tab = tab
    if (tab !== "monitoring") this.monitoringTab?.stop()
    const detail = this.detail
    if (detail === undefined) return
    if (tab === "monitoring") {
      this.monitoringTab ??= new MonitoringTab(this.tabHost, detail.vm.id)
      return this.monitoringTab.refresh()
    }
    // Snapshots, disks and networks ask again each time they are opened: tasks may have changed them meanwhile.
    if (tab === "snapshots") {
      this.snapshotsTab ??= new SnapshotsTab(this.tabHost, detail.vm.id)
      return this.snapshotsTab.refresh()
    }
    if (tab === "disks") {
      this.disksTab ??= new DisksTab(this.tabHost, detail.vm.id)
      return this.disksTab.refresh()
    }
    if (tab === "network") {
      this.networkTab ??= new NetworkTab(this.tabHost, detail.vm.id)
      return this.networkTab.refresh()
    }
    this.tabData = new Map(this.tabData).set(tab, { status: "loading" })
    let data: TabData
    try {
      data = await loadTab(tab, this.client, detail)
    } catch (error) {
      data = { status: "error", message: this.report(error).message }
    }
    this.tabData = new Map(this.tabData).set(tab, data)
  }

  private startAction(action: string) {
    const spec = actionSpecs[action]
    const detail = this.detail
    if (spec === undefined || detail === undefined) return
    if (spec.local === "console") {
      this.dispatchEvent(new HxConsoleOpenEvent(detail.vm.id))
      return
    }
    const stop = action === "stop" || action === "force-stop"
    const asked = stop ? stopDialog(action, detail, this.t, (detach) => void this.runAction(action, detach)) : undefined
    if (asked !== undefined) return this.showDialog(asked)
    if (spec.input === "flavor" || spec.input === "image" || spec.input === "owner") {
      void this.askChoice(action, spec.input, detail)
      return
    }
    if (spec.input === "host") {
      void this.askHost(action, detail)
      return
    }
    if (spec.input === "login") {
      loginDialog(this.client, detail, action).then(
        (dialog) => this.showDialog(dialog),
        (error: unknown) => (this.error = this.report(error)),
      )
      return
    }
    if (spec.input !== undefined || spec.confirm) {
      this.showDialog({
        action,
        kind: spec.input ?? "confirm",
        name: detail.vm.displayName,
        value: spec.input === undefined ? "" : inputValue(spec.input, detail),
      })
      return
    }
    void this.runAction(action, "")
  }

  /**
   * The choices of a dialog, read when it opens, the VM's own first selected: flavors (K1: the API refuses the same,
   * different-flavor), images without ISOs (K2), users the caller sees (R3: owner-unchanged for the same).
   */
  private async askChoice(action: string, kind: "flavor" | "image" | "owner", detail: VmDetail) {
    try {
      const mib = this.t.detail.memoryMiB
      const options =
        kind === "flavor"
          ? (await this.client.get<{ items: ReadonlyArray<Flavor> }>("/flavors")).items.map((f) => ({
              value: f.id,
              label: `${f.name} · ${f.cpus} CPU · ${f.memoryMiB} ${mib}`,
            }))
          : kind === "image"
            ? (await this.client.get<{ items: ReadonlyArray<Image> }>("/images")).items
                .filter((i) => i.format !== "iso")
                .map((i) => ({ value: i.id, label: `${i.name} · ${i.osName}` }))
            : (await this.client.get<{ items: ReadonlyArray<User> }>("/users")).items.map((u) => ({
                value: u.id,
                label: `${u.name} · ${u.email}`,
              }))
      this.showDialog({ action, kind, name: detail.vm.displayName, value: inputValue(kind, detail), options })
    } catch (error) {
      this.error = this.report(error)
    }
  }

  /** R9: the hosts to move to, with their free capacity; placement's choice first. */
  private async askHost(action: string, detail: VmDetail) {
    try {
      const options = await hostOptions(this.client, detail, this.t)
      this.showDialog({ action, kind: "host", name: detail.vm.displayName, value: "", options })
    } catch (error) {
      this.error = this.report(error)
    }
  }

  /** R9: the VM keeps running on its host; the migration's task ends as cancelled. */
  private async cancelMigration() {
    this.busy = "cancel-migration"
    try {
      await this.client.post(`/vms/${encodeURIComponent(this.vmId)}/migrate/cancel`, {})
    } catch (error) {
      this.error = this.report(error)
    } finally {
      this.busy = undefined
    }
  }

  private showDialog(dialog: ActionDialog) {
    this.dialog = dialog
    void this.updateComplete.then(() => this.renderRoot.querySelector("dialog")?.showModal())
  }

  private closeDialog() {
    this.renderRoot.querySelector("dialog")?.close()
    this.dialog = undefined
  }

  private confirmDialog() {
    const dialog = this.dialog
    if (dialog === undefined) return
    if (dialog.kind === "password") return this.closeDialog()
    this.closeDialog()
    if (dialog.ask !== undefined) dialog.ask.run(dialog.value)
    else void this.runAction(dialog.action, dialog.value, dialog.secret ?? "")
  }

  private async runAction(action: string, input: string, secret = "") {
    const spec = actionSpecs[action]
    const detail = this.detail
    if (spec?.run === undefined || detail === undefined) return
    this.busy = action
    this.error = undefined
    try {
      const result = await spec.run(this.client, detail, input, secret)
      for (const task of result.tasks) this.taskStarted(task)
      if (result.password !== undefined) {
        this.showDialog({ action, kind: "password", name: detail.vm.displayName, value: result.password ?? "" })
      }
    } catch (error) {
      this.error = this.report(error)
    } finally {
      this.busy = undefined
      // The reload clears the detail's error; a refusal of this action stays shown until the next one.
      const refusal = this.error
      void this.loadDetail().then(() => {
        if (refusal !== undefined && this.error === undefined) this.error = refusal
      })
    }
  }
}

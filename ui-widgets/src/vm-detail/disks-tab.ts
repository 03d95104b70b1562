import { html, nothing, type TemplateResult } from "lit"
import { offeredRoutes, offers } from "../api/capabilities.ts"
import type { DiskWithBackups, Items, VmDetail } from "../api/types.ts"
import { formatDateTime, formatMoney, type Locale, type Messages } from "../i18n/index.ts"
import { DiskBackups } from "./disk-backups.ts"
import { type Loadable, type TabHost, TabModel } from "./tab-model.ts"
import { table } from "./views.ts"

/** The disks as the detail lists them: what an agent without the disks route shows. */
const detailDisks = (detail: VmDetail, t: Messages, locale: Locale, currency: string) => {
  const d = t.tabs.disk
  return table(
    [d.name, d.role, d.size, d.storageClass, d.format, d.bus, t.tabs.perDay],
    detail.resources.disks.map((disk) => [
      disk.name,
      t.tabs.roles[disk.role],
      `${disk.sizeGiB} GiB`,
      disk.storageClass,
      disk.format,
      disk.bus,
      formatMoney(disk.perDay, locale, currency),
    ]),
  )
}

/**
 * The disks tab (D5, V4–V6): the VM's disks with how many backups each has and the last one's time; per disk, back
 * up now and its backups and backup schedules, shown below the table for the disks the user opened.
 */
export class DisksTab extends TabModel<ReadonlyArray<DiskWithBackups>> {
  /** The disks whose backups are open, in the order opened. */
  readonly open = new Map<string, DiskBackups>()
  private readonly vmId: string

  constructor(host: TabHost, vmId: string) {
    super(host)
    this.vmId = vmId
  }

  refresh(): void {
    void this.load()
    for (const panel of this.open.values()) panel.refresh()
  }

  protected async fetch(): Promise<Loadable<ReadonlyArray<DiskWithBackups>>> {
    const client = this.host.client()
    if (!offers(await offeredRoutes(client), "GET", "/vms/{id}/disks")) return { status: "absent" }
    const path = `/vms/${encodeURIComponent(this.vmId)}/disks`
    return { status: "loaded", value: (await client.get<Items<DiskWithBackups>>(path)).items }
  }

  render(detail: VmDetail, currency: string): TemplateResult {
    const { t, locale } = this.host
    const data = this.data
    if (data.status === "error") return html`<p class="error" role="alert">${data.message}</p>`
    // Until the disks route answers (or when the agent lacks it), the detail's own list stands in.
    if (data.status !== "loaded") {
      if (detail.resources.disks.length === 0) return html`<p class="muted">${t.tabs.noDisks}</p>`
      return detailDisks(detail, t, locale, currency)
    }
    const disks = data.value
    if (disks.length === 0) return html`<p class="muted">${t.tabs.noDisks}</p>`
    return html`${this.list(disks)}
      ${[...this.open].map(([id, panel]) => {
        const disk = disks.find((other) => other.id === id)
        return disk === undefined ? nothing : panel.render(disk)
      })}`
  }

  private list(disks: ReadonlyArray<DiskWithBackups>) {
    const { t, locale } = this.host
    const d = t.tabs.disk
    const b = t.tabs.backup
    const rows = disks.map((disk) => {
      const panel = this.open.get(disk.id)
      return [
        disk.name,
        t.tabs.roles[disk.role],
        `${disk.sizeGiB} GiB`,
        disk.bus,
        disk.storageClass,
        html`<span data-backup-count>${disk.backupCount}</span>`,
        formatDateTime(disk.lastBackupAt, locale),
        html`<span class="row-actions">
          <button type="button" data-act="backup" ?disabled=${panel?.backingUp === true}
            aria-label=${`${b.now}: ${disk.name}`} @click=${() => this.openPanel(disk.id).backUp()}>${b.now}</button>
          <button type="button" data-act="backups" aria-expanded=${panel !== undefined}
            aria-label=${b.title(disk.name)} @click=${() => this.toggle(disk.id)}>${b.toggle}</button>
        </span>`,
      ]
    })
    return table(
      [d.name, d.role, d.size, d.bus, d.storageClass, b.count, b.last, t.tabs.actionsColumn],
      rows,
      disks.map((disk) => disk.id),
    )
  }

  /** The disk's panel, opened and loaded if it was not: backing up opens it so that the outcome shows there. */
  private openPanel(diskId: string): DiskBackups {
    let panel = this.open.get(diskId)
    if (panel === undefined) {
      panel = new DiskBackups(this.host, this.vmId, diskId)
      this.open.set(diskId, panel)
      panel.refresh()
    }
    return panel
  }

  private toggle(diskId: string) {
    if (!this.open.delete(diskId)) this.openPanel(diskId)
    this.host.update()
  }
}

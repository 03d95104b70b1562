import { html, nothing, type TemplateResult } from "lit"
import { offeredRoutes, offers } from "../api/capabilities.ts"
import type { DiskListed, DiskWithBackups, Items, VmDetail } from "../api/types.ts"
import { formatDateTime, formatMoney, type Locale, type Messages } from "../i18n/index.ts"
import { DiskBackups } from "./disk-backups.ts"
import { previewedSubmit } from "./previewed-submit.ts"
import { type Loadable, type TabHost, TabModel, taskField } from "./tab-model.ts"
import { noticeView, refusalOf, rowButton, table } from "./views.ts"

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
 * The disks tab (D5, V1–V6): the VM's disks with how many backups each has and the last one's time; a new data disk
 * created and attached (V2), a data disk detached (V3); per disk, back up now and its backups and backup schedules,
 * shown below the table for the disks the user opened. Refusals (snapshots, quota) show with their rule.
 */
export class DisksTab extends TabModel<ReadonlyArray<DiskWithBackups>> {
  /** The disks whose backups are open, in the order opened. */
  readonly open = new Map<string, DiskBackups>()
  private readonly vmId: string
  private readonly path: string
  /** The department's unattached disks (V1), when the agent offers the list. */
  private unattached: ReadonlyArray<DiskListed> = []

  constructor(host: TabHost, vmId: string) {
    super(host)
    this.vmId = vmId
    this.path = `/vms/${encodeURIComponent(vmId)}/disks`
  }

  refresh(): void {
    void this.load()
    for (const panel of this.open.values()) panel.refresh()
  }

  protected async fetch(): Promise<Loadable<ReadonlyArray<DiskWithBackups>>> {
    const client = this.host.client()
    if (!offers(await offeredRoutes(client), "GET", "/vms/{id}/disks")) return { status: "absent" }
    const routes = await offeredRoutes(client)
    const [disks, unattached] = await Promise.all([
      client.get<Items<DiskWithBackups>>(this.path),
      offers(routes, "GET", "/disks")
        ? client.get<Items<DiskListed>>("/disks?unattached=true")
        : Promise.resolve({ items: [] }),
    ])
    this.unattached = unattached.items
    return { status: "loaded", value: disks.items }
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
    const form = html`${this.createForm(detail)}${this.attachForm()}${noticeView(this.notice, t)}`
    if (disks.length === 0) return html`${form}<p class="muted">${t.tabs.noDisks}</p>`
    return html`${form}${this.list(disks, detail)}
      ${[...this.open].map(([id, panel]) => {
        const disk = disks.find((other) => other.id === id)
        return disk === undefined ? nothing : panel.render(disk)
      })}`
  }

  private createForm(detail: VmDetail) {
    const d = this.host.t.tabs.diskOps
    const submit = (event: Event) => {
      event.preventDefault()
      const form = event.target as HTMLFormElement
      const data = new FormData(form)
      const name = String(data.get("name") ?? "").trim()
      const body = { name, sizeGiB: Number(data.get("sizeGiB")) }
      void this.act(
        "create",
        (client) => client.post(this.path, body),
        (task) => d.created(taskField(task.params, "name") ?? name),
      ).then(() => {
        if (this.notice?.kind !== "error") form.reset()
      })
    }
    return html`<form class="inline-form" data-create-disk @submit=${submit}>
      <label>${d.name}<input name="name" type="text" required maxlength="64" /></label>
      <label>${d.size}<input name="sizeGiB" type="number" required min="1" max="65536" step="1" value="10" /></label>
      ${previewedSubmit(d.create, {
        data: "create",
        busy: this.busy.has("create"),
        refused: refusalOf(detail.allowedActions, "create-disk"),
      })}
    </form>`
  }

  /** V1: attach one of the department's unattached disks (the API checks that it fits: disk-fits-vm). */
  private attachForm() {
    if (this.unattached.length === 0) return nothing
    const d = this.host.t.tabs.diskOps
    const submit = (event: Event) => {
      event.preventDefault()
      const diskId = String(new FormData(event.target as HTMLFormElement).get("diskId") ?? "")
      const name = this.unattached.find((disk) => disk.id === diskId)?.name ?? diskId
      void this.act(
        "attach",
        (client) => client.post(`${this.path}/${encodeURIComponent(diskId)}/attach`, {}),
        () => d.attached(name),
      )
    }
    return html`<form class="inline-form" data-attach-disk @submit=${submit}>
      <label>${d.unattached}<select name="diskId">
        ${this.unattached.map((disk) => html`<option value=${disk.id}>${disk.name} · ${disk.sizeGiB} GiB</option>`)}
      </select></label>
      <button type="submit" ?disabled=${this.busy.has("attach")}>${d.attach}</button>
    </form>`
  }

  /** V3: the system disk has no detach button (the API refuses it too, rule not-system-disk). */
  private detachButton(disk: DiskWithBackups) {
    if (disk.role !== "data") return nothing
    const d = this.host.t.tabs.diskOps
    const run = () =>
      this.act(
        disk.id,
        (client) => client.post(`${this.path}/${encodeURIComponent(disk.id)}/detach`, {}),
        () => d.detached(disk.name),
      )
    return rowButton(
      d.detach,
      () =>
        this.host.ask({
          action: "disk",
          kind: "confirm",
          name: disk.name,
          value: "",
          ask: { title: d.confirmDetach(disk.name), button: d.detach, run },
        }),
      { data: "detach", busy: this.busy.has(disk.id), danger: true, title: `${d.detach}: ${disk.name}` },
    )
  }

  private list(disks: ReadonlyArray<DiskWithBackups>, detail: VmDetail) {
    const { t, locale } = this.host
    const d = t.tabs.disk
    const b = t.tabs.backup
    // V4 "back up now" follows the VM's disk-backup verdict (no-snapshots, no-snapshot-schedules, vm-busy, …)
    const refused = refusalOf(detail.allowedActions, "disk-backup")
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
          ${rowButton(b.now, () => this.openPanel(disk.id).backUp(), {
            data: "backup",
            busy: panel?.backingUp === true,
            title: `${b.now}: ${disk.name}`,
            refused,
          })}
          <button type="button" data-act="backups" aria-expanded=${panel !== undefined}
            aria-label=${b.title(disk.name)} @click=${() => this.toggle(disk.id)}>${b.toggle}</button>
          ${this.detachButton(disk)}
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

import { html, type TemplateResult } from "lit"
import { offeredRoutes, offers } from "../api/capabilities.ts"
import type { Backup, Disk, Items } from "../api/types.ts"
import { formatDateTime } from "../i18n/index.ts"
import { ScheduleList } from "./schedules.ts"
import { type Loadable, newestFirst, type TabHost, TabModel, taskField } from "./tab-model.ts"
import { itemCells, noticeView, rowButton, table, whenLoaded } from "./views.ts"

/**
 * One disk's backups (V4–V6): back up now (full first, then increments), the backups with kind, size, time and
 * state, restore one into a new disk, delete one; and the disk's backup schedules.
 */
export class DiskBackups extends TabModel<ReadonlyArray<Backup>> {
  readonly schedules: ScheduleList
  private readonly path: string

  constructor(host: TabHost, vmId: string, diskId: string) {
    super(host)
    this.path = `/vms/${encodeURIComponent(vmId)}/disks/${encodeURIComponent(diskId)}`
    this.schedules = new ScheduleList(host, {
      route: "/vms/{id}/disks/{diskId}/backup-schedules",
      path: `${this.path}/backup-schedules`,
      id: `backup-schedules-${diskId}`,
      withMemory: false,
    })
  }

  refresh(): void {
    void this.load()
    void this.schedules.load()
  }

  protected async fetch(): Promise<Loadable<ReadonlyArray<Backup>>> {
    const client = this.host.client()
    if (!offers(await offeredRoutes(client), "GET", "/vms/{id}/disks/{diskId}/backups")) return { status: "absent" }
    return { status: "loaded", value: newestFirst((await client.get<Items<Backup>>(`${this.path}/backups`)).items) }
  }

  backUp(): void {
    const b = this.host.t.tabs.backup
    void this.act(
      "backup",
      (client) => client.post(`${this.path}/backups`, {}),
      (task) => {
        const kind = taskField(task.result, "kind")
        return b.made(kind === "full" || kind === "incremental" ? b.kinds[kind] : "")
      },
    )
  }

  get backingUp(): boolean {
    return this.busy.has("backup")
  }

  render(disk: Disk): TemplateResult {
    const t = this.host.t
    const title = `backups-${disk.id}`
    return html`<section class="disk-panel" data-disk-panel=${disk.id} aria-labelledby=${title}>
      <h3 id=${title}>${t.tabs.backup.title(disk.name)}</h3>
      ${noticeView(this.notice, t)}
      ${whenLoaded(this.data, t, t.tabs.backup.list, (items) =>
        items.length === 0 ? html`<p class="muted">${t.tabs.backup.none}</p>` : this.list(disk, items),
      )}
      <h4>${t.tabs.backup.schedules(disk.name)}</h4>
      ${this.schedules.render()}
    </section>`
  }

  private list(disk: Disk, items: ReadonlyArray<Backup>) {
    const { t, locale } = this.host
    const b = t.tabs.backup
    const s = t.tabs.snapshot
    const rows = items.map((backup) => [
      html`<span data-kind=${backup.kind}>${b.kinds[backup.kind]}</span>`,
      ...itemCells(backup, t, locale),
      html`<span class="row-actions">${this.rowActions(disk, backup)}</span>`,
    ])
    return table(
      [b.kind, s.origin, s.state, s.size, s.created, t.tabs.actionsColumn],
      rows,
      items.map((backup) => backup.id),
    )
  }

  private rowActions(disk: Disk, backup: Backup) {
    const { t, locale } = this.host
    const b = t.tabs.backup
    const busy = this.busy.has(backup.id)
    const path = `/backups/${encodeURIComponent(backup.id)}`
    const restore = () =>
      this.host.ask({
        action: "restore-backup",
        kind: "new-disk",
        name: disk.name,
        value: "",
        ask: {
          title: b.restoreTitle(disk.name),
          button: b.restore,
          run: (value) => {
            const name = value.trim()
            void this.act(
              backup.id,
              (client) => client.post(`${path}/restore`, name === "" ? {} : { name }),
              (task) => b.restored(taskField(task.params, "name") ?? name),
            )
          },
        },
      })
    const remove = () =>
      this.host.ask({
        action: "delete-backup",
        kind: "confirm",
        name: disk.name,
        value: "",
        ask: {
          title: b.confirmDelete(b.kinds[backup.kind], formatDateTime(backup.createdAt, locale)),
          button: b.delete,
          run: () =>
            void this.act(
              backup.id,
              (client) => client.delete(path),
              () => b.deleted,
            ),
        },
      })
    return [
      rowButton(b.restore, restore, { data: "restore", busy, title: `${b.restore}: ${b.kinds[backup.kind]}` }),
      rowButton(b.delete, remove, {
        data: "delete",
        busy,
        danger: true,
        title: `${b.delete}: ${b.kinds[backup.kind]}`,
      }),
    ]
  }
}

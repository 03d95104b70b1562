import { html, type TemplateResult } from "lit"
import { offeredRoutes, offers } from "../api/capabilities.ts"
import type { Items, Snapshot, VmDetail } from "../api/types.ts"
import { previewedSubmit } from "./previewed-submit.ts"
import { ScheduleList } from "./schedules.ts"
import { type Loadable, newestFirst, type TabHost, TabModel, taskField } from "./tab-model.ts"
import { itemCells, noticeView, refusalOf, rowButton, table, whenLoaded } from "./views.ts"

/**
 * QEMU counts no disk data per internal snapshot, only the saved memory: a disk-only snapshot reports 0 bytes, which
 * is not its size (its clusters are shared with the disk). A driver that does count a disk-only snapshot keeps its size.
 */
const uncountedSize = (snapshot: Snapshot) => !snapshot.withMemory && snapshot.sizeBytes === 0

/**
 * The snapshots tab (P1–P5): the VM's snapshots with memory or not, origin, state, size and time; take one, roll
 * back to one, delete one; and the snapshot schedules. What is allowed is the API's call: "take" follows the VM's
 * `snapshot` verdict (P1 without memory; "with memory" is judged by the call), "roll back" follows the VM's
 * `snapshot-rollback` verdict (disabled with its message on a running VM); a refusal the preview cannot know (a
 * snapshot while the disks have backups) shows its message and rule where the user acted.
 */
export class SnapshotsTab extends TabModel<ReadonlyArray<Snapshot>> {
  readonly schedules: ScheduleList
  private readonly path: string

  constructor(host: TabHost, vmId: string) {
    super(host)
    this.path = `/vms/${encodeURIComponent(vmId)}`
    this.schedules = new ScheduleList(host, {
      route: "/vms/{id}/snapshot-schedules",
      path: `${this.path}/snapshot-schedules`,
      id: "snapshot-schedules",
      withMemory: true,
    })
  }

  refresh(): void {
    void this.load()
    void this.schedules.load()
  }

  protected async fetch(): Promise<Loadable<ReadonlyArray<Snapshot>>> {
    const client = this.host.client()
    if (!offers(await offeredRoutes(client), "GET", "/vms/{id}/snapshots")) return { status: "absent" }
    return { status: "loaded", value: newestFirst((await client.get<Items<Snapshot>>(`${this.path}/snapshots`)).items) }
  }

  render(detail: VmDetail): TemplateResult {
    const t = this.host.t
    return whenLoaded(
      this.data,
      t,
      t.tabs.snapshotList,
      (items) => html`<section data-snapshots aria-label=${t.tabs.snapshots}>
        ${this.takeForm(detail)}
        ${noticeView(this.notice, t)}
        ${items.length === 0 ? html`<p class="muted">${t.tabs.noSnapshots}</p>` : this.list(items, detail)}
      </section>
      <section data-snapshot-schedules aria-labelledby="snapshot-schedules-title">
        <h3 id="snapshot-schedules-title">${t.tabs.snap.schedules}</h3>
        ${this.schedules.render()}
      </section>`,
    )
  }

  private takeForm(detail: VmDetail) {
    const t = this.host.t.tabs
    const submit = (event: Event) => {
      event.preventDefault()
      const form = event.target as HTMLFormElement
      const data = new FormData(form)
      const name = String(data.get("name") ?? "").trim()
      const body = { ...(name === "" ? {} : { name }), withMemory: data.has("withMemory") }
      void this.act(
        "take",
        (client) => client.post(`${this.path}/snapshots`, body),
        (task) => t.snap.taken(taskField(task.params, "name") ?? name),
      ).then(() => {
        if (this.notice?.kind !== "error") form.reset()
      })
    }
    return html`<form class="inline-form" data-take-snapshot @submit=${submit}>
      <label>${t.snap.name}<input name="name" type="text" maxlength="64" /></label>
      <label class="check"><input name="withMemory" type="checkbox" />${t.snap.withMemory}</label>
      ${previewedSubmit(t.snap.take, {
        data: "take",
        busy: this.busy.has("take"),
        refused: refusalOf(detail.allowedActions, "snapshot"),
      })}
    </form>`
  }

  private list(items: ReadonlyArray<Snapshot>, detail: VmDetail) {
    const { t, locale } = this.host
    const s = t.tabs.snapshot
    const rows = items.map((snapshot) => [
      snapshot.name,
      snapshot.withMemory ? t.common.yes : t.common.no,
      ...itemCells(
        snapshot,
        t,
        locale,
        uncountedSize(snapshot) ? { text: s.diskOnly, title: s.diskOnlyTitle } : undefined,
      ),
      html`<span class="row-actions">${this.rowActions(snapshot, detail)}</span>`,
    ])
    return table(
      [s.name, s.withMemory, s.origin, s.state, s.size, s.created, t.tabs.actionsColumn],
      rows,
      items.map((snapshot) => snapshot.id),
    )
  }

  private rowActions(snapshot: Snapshot, detail: VmDetail) {
    const t = this.host.t.tabs.snap
    const busy = this.busy.has(snapshot.id)
    const path = `${this.path}/snapshots/${encodeURIComponent(snapshot.id)}`
    const ask = (title: string, button: string, run: () => void) =>
      this.host.ask({
        action: "snapshot",
        kind: "confirm",
        name: snapshot.name,
        value: "",
        ask: { title, button, run },
      })
    return [
      rowButton(
        t.rollback,
        () =>
          ask(t.confirmRollback(snapshot.name), t.rollback, () =>
            this.act(
              snapshot.id,
              (client) => client.post(`${path}/rollback`, {}),
              () => t.rolledBack(snapshot.name),
            ),
          ),
        {
          data: "rollback",
          busy,
          title: `${t.rollback}: ${snapshot.name}`,
          refused: refusalOf(detail.allowedActions, "snapshot-rollback"),
        },
      ),
      rowButton(
        t.delete,
        () =>
          ask(t.confirmDelete(snapshot.name), t.delete, () =>
            this.act(
              snapshot.id,
              (client) => client.delete(path),
              () => t.deleted(snapshot.name),
            ),
          ),
        { data: "delete", busy, danger: true, title: `${t.delete}: ${snapshot.name}` },
      ),
    ]
  }
}

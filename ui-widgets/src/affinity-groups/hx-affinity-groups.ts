import { css, html, nothing, type PropertyDeclarations } from "lit"
import { formatDateTime } from "../i18n/index.ts"
import { confirmDeleteCell } from "../internal/confirm-delete.ts"
import { HxEditableList } from "../internal/hx-editable-list.ts"
import { tableStyles, themeStyles } from "../internal/styles.ts"
import { type AffinityMessages, affinityMessages } from "./messages.ts"

type Policy = "affinity" | "anti-affinity"

/** An affinity group as GET /affinity-groups lists it. */
export interface AffinityGroup {
  readonly id: string
  readonly departmentId: string
  readonly name: string
  readonly policy: Policy
  readonly createdAt: string
}

const styles = css`
  form {
    display: flex;
    flex-wrap: wrap;
    align-items: end;
    gap: calc(var(--_space) / 2);
    margin-bottom: var(--_space);
  }
`

/**
 * <hx-affinity-groups>: a department's affinity and anti-affinity groups (R10) for its administrators: list, create
 * (name and policy), delete (its VMs leave it). `department-id` shows another department (a superadmin's); empty: the
 * caller's. The API refuses a non-admin (admin-only) and shows it. VMs join and leave in <hx-vm-detail>.
 */
export class HxAffinityGroups extends HxEditableList {
  static override styles = [themeStyles, tableStyles, styles]
  static override properties: PropertyDeclarations = {
    departmentId: { attribute: "department-id" },
    groups: { state: true },
    name: { state: true },
    policy: { state: true },
  }

  declare departmentId: string
  declare protected groups: ReadonlyArray<AffinityGroup>
  declare protected name: string
  declare protected policy: Policy

  constructor() {
    super()
    this.departmentId = ""
    this.groups = []
    this.name = ""
    this.policy = "anti-affinity"
  }

  /** The groups as last loaded. */
  get items(): ReadonlyArray<AffinityGroup> {
    return this.groups
  }

  private get m(): AffinityMessages {
    return affinityMessages(this.locale)
  }

  private get scope() {
    return this.departmentId === "" ? {} : { departmentId: this.departmentId }
  }

  protected override async reload(): Promise<void> {
    try {
      this.groups = (
        await this.client.get<{ items: ReadonlyArray<AffinityGroup> }>("/affinity-groups", this.scope)
      ).items
      this.error = ""
    } catch (error) {
      this.error = this.report(error).message
    }
  }

  private create(event: Event) {
    event.preventDefault()
    return this.change(async () => {
      await this.client.post("/affinity-groups", { name: this.name.trim(), policy: this.policy, ...this.scope })
      this.name = ""
    })
  }

  private deleteGroup(group: AffinityGroup) {
    return this.change(async () => {
      await this.client.delete(`/affinity-groups/${encodeURIComponent(group.id)}`)
      this.deleting = ""
    })
  }

  private row(group: AffinityGroup, m: AffinityMessages) {
    return html`<tr data-group=${group.id}>
      <td part="name">${group.name}</td>
      <td part="policy" data-policy=${group.policy}>${m.policies[group.policy]}</td>
      <td>${formatDateTime(group.createdAt, this.locale)}</td>
      <td>
        ${confirmDeleteCell({
          asking: this.deleting === group.id,
          busy: this.busy,
          question: m.confirmDelete(group.name),
          deleteLabel: m.delete,
          cancelLabel: m.cancel,
          ask: () => (this.deleting = group.id),
          confirm: () => void this.deleteGroup(group),
          cancel: () => (this.deleting = ""),
        })}
      </td>
    </tr>`
  }

  protected override render() {
    if (!this.ready) return html`<p class="banner warning" part="error">${this.t.common.noToken}</p>`
    const m = this.m
    const name = this.name.trim()
    const nameOk = name.length >= 1 && name.length <= 64
    return html`<section part="base" aria-label=${m.label}>
      <form part="form" @submit=${(event: Event) => void this.create(event)}>
        <label>${m.newName}
          <input id="group-name" type="text" maxlength="64" .value=${this.name}
            @input=${(event: Event) => (this.name = (event.target as HTMLInputElement).value)} /></label>
        <label>${m.policy}
          <select id="group-policy" .value=${this.policy}
            @change=${(event: Event) => (this.policy = (event.target as HTMLSelectElement).value as Policy)}>
            ${(["anti-affinity", "affinity"] as const).map(
              (policy) =>
                html`<option value=${policy} ?selected=${policy === this.policy}>${m.policies[policy]}</option>`,
            )}
          </select></label>
        <button type="submit" part="button" data-create ?disabled=${this.busy || !nameOk}>${m.create}</button>
      </form>
      ${this.name !== "" && !nameOk ? html`<p class="banner error">${m.nameRule}</p>` : nothing}
      ${this.error ? html`<p class="banner error" role="alert" part="error">${this.error}</p>` : nothing}
      <table part="table">
        <thead>
          <tr>
            <th scope="col">${m.name}</th>
            <th scope="col">${m.policy}</th>
            <th scope="col">${m.created}</th>
            <th scope="col"></th>
          </tr>
        </thead>
        <tbody>
          ${this.groups.map((group) => this.row(group, m))}
        </tbody>
      </table>
      ${this.groups.length === 0 && this.error === "" ? html`<p class="muted" data-empty>${m.empty}</p>` : nothing}
    </section>`
  }
}

import { html, nothing, type TemplateResult } from "lit"
import type { ApiClient } from "../api/client.ts"
import type { Created, Task, VmDetail } from "../api/types.ts"
import type { Messages } from "../i18n/index.ts"

/** After the API accepted: each new VM and how its provisioning task stands, followed live. */
export const renderCreated = (
  t: Messages,
  created: Created,
  progress: ReadonlyMap<string, Task>,
  names: ReadonlyMap<string, string>,
  again: () => void,
): TemplateResult => html`<section part="base created" aria-label=${t.create.label}>
  <p role="status" class="banner" data-created>${t.create.created(created.vmIds.length)}</p>
  <ul class="progress">
    ${created.tasks.map((task) => {
      const now = progress.get(task.id) ?? task
      return html`<li data-task=${now.id} data-task-state=${now.state}>
        ${names.get(now.vmId ?? "") ?? now.vmId ?? ""} · ${now.state}${now.error ? html` <span class="error">${now.error.message}</span>` : nothing}
      </li>`
    })}
  </ul>
  <button type="button" part="button" class="primary" @click=${again}>${t.create.another}</button>
</section>`

/** The new VMs' names: generated ones are known only once the API made them. */
export const namesOf = async (
  client: ApiClient,
  vmIds: ReadonlyArray<string>,
): Promise<ReadonlyMap<string, string>> => {
  const names = new Map<string, string>()
  await Promise.all(
    vmIds.map(async (id) => {
      try {
        names.set(id, (await client.get<VmDetail>(`/vms/${encodeURIComponent(id)}`)).vm.displayName)
      } catch {
        // The id still identifies it.
      }
    }),
  )
  return names
}

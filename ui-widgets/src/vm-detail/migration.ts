import { html, nothing } from "lit"
import type { ApiClient } from "../api/client.ts"
import type { Host, PlatformEvent, VmDetail } from "../api/types.ts"
import type { Messages } from "../i18n/index.ts"

/** A live migration's progress event (R9), as the events stream carries it. */
export type MigrationEvent = Extract<PlatformEvent, { readonly _tag: "vm-migration" }>

const MiB = 1024 * 1024

/**
 * R9: the migrate dialog's choices: placement's choice first, then every other host with its free CPUs and memory
 * (its state when it is not up: the API refuses it, host-up, and says why).
 */
export const hostOptions = async (client: ApiClient, detail: VmDetail, t: Messages) => {
  const { items } = await client.get<{ items: ReadonlyArray<Host> }>("/hosts")
  const others = items.filter((host) => host.id !== detail.runtime.host?.id)
  return [
    { value: "", label: t.detail.migrateAuto },
    ...others.map((host) => {
      const free = t.detail.hostFree(host.name, host.usage.cpusFree, host.usage.memoryMiBFree)
      return { value: host.id, label: host.state === "up" ? free : `${free} (${host.state})` }
    }),
  ]
}

/** R9: while the VM migrates, its progress (from the last event) and the cancel button. */
export const renderMigration = (
  event: MigrationEvent | undefined,
  t: Messages,
  on: { readonly cancel: () => void; readonly busy: boolean },
) => {
  const sent = event?.transferredBytes ?? 0
  const total = sent + (event?.remainingBytes ?? 0)
  return html`<section class="migration" part="migration" aria-labelledby="migration-title" data-phase=${event?.phase ?? ""}>
    <h3 id="migration-title">${t.detail.migrating}</h3>
    <progress part="migration-progress" max=${total > 0 ? total : 1} value=${total > 0 ? sent : nothing}
      aria-label=${t.detail.migrating}></progress>
    <p class="muted" role="status">
      ${event === undefined ? "" : (t.detail.migrationPhase[event.phase] ?? event.phase)}
      ${event === undefined ? "" : ` · ${t.detail.migrationBytes(Math.round(sent / MiB), Math.round((total - sent) / MiB))}`}
      ${event === undefined || event.expectedDowntimeMs === 0 ? "" : ` · ${t.detail.migrationDowntime(event.expectedDowntimeMs)}`}
    </p>
    <button type="button" part="action" data-action="cancel-migration" ?disabled=${on.busy} @click=${on.cancel}>
      ${t.detail.cancelMigration}</button>
  </section>`
}

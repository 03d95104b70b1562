import { css, html, nothing, type PropertyDeclarations } from "lit"
import type { Host, PlatformEvent } from "../api/types.ts"
import type { Messages } from "../i18n/index.ts"
import { HxElement } from "../internal/hx-element.ts"
import { stateStyles, tableStyles, themeStyles } from "../internal/styles.ts"

const hostStyles = css`
  .toolbar {
    display: flex;
    align-items: center;
    gap: var(--_space);
    margin-bottom: var(--_space);
  }
  th {
    color: var(--_muted);
    font-weight: 600;
  }
  .bar {
    display: block;
    height: 8px;
    min-width: 120px;
    border-radius: 4px;
    background: var(--hx-bar-free, var(--_subtle));
    overflow: hidden;
  }
  .bar > span {
    display: block;
    height: 100%;
    background: var(--hx-bar-used, var(--_accent));
  }
  .bar[data-full] > span {
    background: var(--_danger);
  }
  .state[data-state="up"]::before {
    background: var(--hx-state-running, #1f9d55);
  }
  .state[data-state="down"]::before {
    background: var(--hx-state-error, #d92d20);
  }
  .state[data-state="maintenance"]::before {
    background: var(--hx-state-stopped, #8a94a3);
  }
`

/** A capacity bar: used of total, with the figures in words for screen readers and the eye. */
const capacity = (label: string, used: number, total: number, text: string) => {
  const percent = total <= 0 ? 100 : Math.min(100, Math.max(0, Math.round((used / total) * 100)))
  return html`<span class="bar" part="bar" role="meter" aria-label=${label} aria-valuemin="0" aria-valuemax=${total}
      aria-valuenow=${used} aria-valuetext=${text} ?data-full=${percent >= 100}
      ><span style="width: ${percent}%"></span></span
    ><span class="muted" part="capacity">${text}</span>`
}

const gib = (mib: number) => Math.round((mib / 1024) * 10) / 10

const row = (host: Host, t: Messages["hosts"], busy: boolean, toggle: (host: Host) => void) => {
  const u = host.usage
  const draining = host.state === "maintenance"
  return html`<tr data-host=${host.id}>
    <td part="name">${host.name}</td>
    <td part="zone">${host.zone}</td>
    <td><span class="state" part="state" data-state=${host.state}>${t.states[host.state]}</span></td>
    <td data-cpu>${capacity(t.cpu, u.cpusUsed, u.cpusTotal, t.cpuUsage(u.cpusUsed, u.cpusTotal, u.cpusFree))}</td>
    <td data-memory>
      ${capacity(
        t.memory,
        u.memoryMiBUsed,
        u.memoryMiBTotal,
        t.memoryUsage(gib(u.memoryMiBUsed), gib(u.memoryMiBTotal), gib(u.memoryMiBFree)),
      )}
    </td>
    <td part="vms">${u.vmCount}</td>
    <td>
      <button type="button" part="button" data-maintenance ?disabled=${busy} aria-pressed=${draining}
        @click=${() => toggle(host)}>${draining ? t.endMaintenance : t.startMaintenance}</button>
    </td>
  </tr>`
}

/**
 * <hx-host-list>: the cluster's hosts for an administrator (#16): name, zone, state (up, suspect, down,
 * maintenance), CPU and memory as bars of used against what the host may hand out (its own times the overcommit),
 * its VMs, and the maintenance toggle (superadmin: drain a host, no new placements; its VMs keep running). The list
 * reloads when a host's maintenance changes anywhere, and on Refresh.
 */
export class HxHostList extends HxElement {
  static override styles = [themeStyles, stateStyles, tableStyles, hostStyles]
  static override properties: PropertyDeclarations = {
    hosts: { state: true },
    loading: { state: true },
    error: { state: true },
    busy: { state: true },
  }

  declare protected hosts: ReadonlyArray<Host>
  declare protected loading: boolean
  declare protected error: string
  /** The host whose maintenance is being changed. */
  declare protected busy: string

  constructor() {
    super()
    this.hosts = []
    this.loading = false
    this.error = ""
    this.busy = ""
  }

  /** The hosts as last loaded. */
  get items(): ReadonlyArray<Host> {
    return this.hosts
  }

  protected override async reload(): Promise<void> {
    this.loading = true
    try {
      this.hosts = (await this.client.get<{ items: ReadonlyArray<Host> }>("/hosts")).items
      this.error = ""
    } catch (error) {
      this.error = this.report(error).message
    } finally {
      this.loading = false
    }
  }

  protected override platformEvent(event: PlatformEvent): void {
    if (event._tag === "task" && event.task.operation === "host.maintenance" && event.task.state !== "running") {
      void this.reload()
    }
  }

  private async toggle(host: Host) {
    this.busy = host.id
    const path = `/hosts/${encodeURIComponent(host.id)}/maintenance`
    try {
      const changed =
        host.state === "maintenance" ? await this.client.delete<Host>(path) : await this.client.put<Host>(path)
      this.hosts = this.hosts.map((h) => (h.id === changed.id ? changed : h))
      this.error = ""
    } catch (error) {
      this.error = this.report(error).message
    } finally {
      this.busy = ""
    }
  }

  protected override render() {
    if (!this.ready) return html`<p class="banner warning" part="error">${this.t.common.noToken}</p>`
    const t = this.t.hosts
    return html`<section part="base" aria-label=${t.label}>
      <div class="toolbar" part="toolbar">
        <button type="button" part="button" data-refresh ?disabled=${this.loading} @click=${() => this.reload()}>
          ${t.refresh}
        </button>
        ${this.loading ? html`<span class="muted">${this.t.common.loading}</span>` : nothing}
      </div>
      ${this.error ? html`<p class="banner error" role="alert" part="error">${this.error}</p>` : nothing}
      <table part="table">
        <thead>
          <tr>
            <th scope="col">${t.name}</th>
            <th scope="col">${t.zone}</th>
            <th scope="col">${t.state}</th>
            <th scope="col">${t.cpu}</th>
            <th scope="col">${t.memory}</th>
            <th scope="col">${t.vms}</th>
            <th scope="col">${t.maintenance}</th>
          </tr>
        </thead>
        <tbody>
          ${this.hosts.map((host) => row(host, t, this.busy !== "", (h) => void this.toggle(h)))}
        </tbody>
      </table>
      ${!this.loading && this.hosts.length === 0 && this.error === "" ? html`<p class="muted">${t.empty}</p>` : nothing}
    </section>`
  }
}

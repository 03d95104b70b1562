import { css, html, nothing, type PropertyDeclarations } from "lit"
import type { Host, HostDevice, Items, PlatformEvent, VmDetail } from "../api/types.ts"
import type { Messages } from "../i18n/index.ts"
import { HxElement } from "../internal/hx-element.ts"
import { tableStyles, themeStyles } from "../internal/styles.ts"

const deviceStyles = css`
  .toolbar {
    display: flex;
    align-items: center;
    gap: var(--_space);
    margin: var(--_space) 0;
  }
  th {
    color: var(--_muted);
    font-weight: 600;
  }
  h3 {
    margin: calc(var(--_space) * 2) 0 var(--_space);
    font-size: 1em;
  }
  code {
    font-family: ui-monospace, monospace;
  }
`

/** One host with its devices as its agent last read them (GPUs first), or why they could not be read. */
interface HostDevices {
  readonly host: Host
  readonly devices: ReadonlyArray<HostDevice>
  readonly error?: string
}

const holder = (device: HostDevice, vmNames: ReadonlyMap<string, string>, t: Messages["devices"]["hosts"]) => {
  if (device.vmId !== null) return html`<span data-vm=${device.vmId}>${vmNames.get(device.vmId) ?? device.vmId}</span>`
  if (!device.present) return html`<span class="muted">${t.missing}</span>`
  if (device.kind === "gpu" && device.iommuGroup === null) return html`<span class="muted">${t.notPassable}</span>`
  return html`<span class="muted" data-free>${t.free}</span>`
}

/**
 * <hx-host-devices>: for administrators (X1, X4), each host's GPUs and USB devices as its agent read them from
 * sysfs: kind, address, vendor and model, ids, IOMMU group, the bound host driver, and which VM holds it (free, not
 * passable without an IOMMU group, or gone from the host). "Read the host again" asks the host's agent to read its
 * sysfs now (superadmin, on the host's own agent: the API's refusal shows otherwise). Reloads when a task ends.
 */
export class HxHostDevices extends HxElement {
  static override styles = [themeStyles, tableStyles, deviceStyles]
  static override properties: PropertyDeclarations = {
    hosts: { state: true },
    vmNames: { state: true },
    loading: { state: true },
    error: { state: true },
    refused: { state: true },
    busy: { state: true },
  }

  declare protected hosts: ReadonlyArray<HostDevices>
  declare protected vmNames: ReadonlyMap<string, string>
  declare protected loading: boolean
  declare protected error: { readonly message: string; readonly rule?: string } | undefined
  /**
   * The last "read again" refused, shown under its host. Kept apart from `error` (a load's): a reload that ends after
   * the refusal (the first load, or one after a task) must not wipe it before the user read it.
   */
  declare protected refused: { readonly hostId: string; readonly message: string; readonly rule?: string } | undefined
  declare protected busy: string
  private reloadTimer: ReturnType<typeof setTimeout> | undefined

  constructor() {
    super()
    this.hosts = []
    this.vmNames = new Map()
    this.loading = false
    this.error = undefined
    this.refused = undefined
    this.busy = ""
  }

  /** The hosts with their devices, as last loaded. */
  get items(): ReadonlyArray<HostDevices> {
    return this.hosts
  }

  protected override async reload(): Promise<void> {
    this.loading = true
    try {
      const hosts = (await this.client.get<Items<Host>>("/hosts")).items
      this.hosts = await Promise.all(hosts.map((host) => this.devicesOf(host)))
      this.vmNames = await this.namesOf(this.hosts.flatMap((entry) => entry.devices))
      this.error = undefined
    } catch (error) {
      this.error = this.report(error)
    } finally {
      this.loading = false
    }
  }

  private async devicesOf(host: Host): Promise<HostDevices> {
    try {
      const path = `/hosts/${encodeURIComponent(host.id)}/devices`
      return { host, devices: (await this.client.get<Items<HostDevice>>(path)).items }
    } catch (error) {
      return { host, devices: [], error: this.report(error).message }
    }
  }

  /** The display names of the VMs holding devices (a VM the caller cannot read keeps its id). */
  private async namesOf(devices: ReadonlyArray<HostDevice>): Promise<ReadonlyMap<string, string>> {
    const ids = [...new Set(devices.flatMap((device) => (device.vmId === null ? [] : [device.vmId])))]
    const names = await Promise.all(
      ids.map((id) =>
        this.client.get<VmDetail>(`/vms/${encodeURIComponent(id)}`).then(
          (detail) => [id, detail.vm.displayName] as const,
          () => [id, id] as const,
        ),
      ),
    )
    return new Map(names)
  }

  /** A device changes hands only through a VM's task: read again once one ends (at most every 500 ms). */
  protected override platformEvent(event: PlatformEvent): void {
    if (event._tag !== "task" || event.task.state === "running") return
    this.reloadTimer ??= setTimeout(() => {
      this.reloadTimer = undefined
      void this.reload()
    }, 500)
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    clearTimeout(this.reloadTimer)
    this.reloadTimer = undefined
  }

  private async readAgain(host: Host) {
    this.busy = host.id
    try {
      const path = `/hosts/${encodeURIComponent(host.id)}/devices/refresh`
      const devices = (await this.client.post<Items<HostDevice>>(path, {})).items
      this.hosts = this.hosts.map((entry) => (entry.host.id === host.id ? { host, devices } : entry))
      this.vmNames = await this.namesOf(this.hosts.flatMap((entry) => entry.devices))
      this.refused = undefined
    } catch (error) {
      const { message, rule } = this.report(error)
      this.refused = { hostId: host.id, message, ...(rule === undefined ? {} : { rule }) }
    } finally {
      this.busy = ""
    }
  }

  protected override render() {
    if (!this.ready) return html`<p class="banner warning" part="error">${this.t.common.noToken}</p>`
    const t = this.t.devices.hosts
    return html`<section part="base" aria-label=${t.label}>
      <div class="toolbar" part="toolbar">
        <button type="button" part="button" data-reload ?disabled=${this.loading} @click=${() => this.reload()}>
          ${t.reload}</button>
        ${this.loading ? html`<span class="muted">${this.t.common.loading}</span>` : nothing}
      </div>
      ${
        this.error
          ? html`<p class="banner error" role="alert" part="error" data-rule=${this.error.rule ?? ""}>${this.error.message}</p>`
          : nothing
      }
      ${this.hosts.map((entry) => this.hostView(entry))}
      ${!this.loading && this.hosts.length === 0 && this.error === undefined ? html`<p class="muted">${t.noHosts}</p>` : nothing}
    </section>`
  }

  private hostView({ host, devices, error }: HostDevices) {
    const t = this.t.devices
    const h = t.hosts
    const headingId = `host-${host.id}`
    return html`<section data-host=${host.id} aria-labelledby=${headingId}>
      <h3 id=${headingId}>${host.name}</h3>
      <div class="toolbar">
        <button type="button" part="button" data-read-again ?disabled=${this.busy !== ""}
          @click=${() => this.readAgain(host)}>${h.refresh}</button>
      </div>
      ${error === undefined ? nothing : html`<p class="error" role="alert">${error}</p>`}
      ${
        this.refused?.hostId === host.id
          ? html`<p class="banner error" role="alert" part="error" data-rule=${this.refused.rule ?? ""}>${this.refused.message}</p>`
          : nothing
      }
      ${
        devices.length === 0
          ? html`<p class="muted">${h.empty}</p>`
          : html`<table part="table">
              <thead><tr>
                <th scope="col">${t.kind}</th><th scope="col">${h.address}</th><th scope="col">${t.device}</th>
                <th scope="col">${h.ids}</th><th scope="col">${h.iommu}</th><th scope="col">${h.driver}</th>
                <th scope="col">${h.heldBy}</th>
              </tr></thead>
              <tbody>${devices.map(
                (device) => html`<tr data-device=${device.id} data-address=${device.address}>
                  <td data-kind>${device.kind === "gpu" ? t.gpu : t.usb}</td>
                  <td><code>${device.address}</code></td>
                  <td>${device.vendor} ${device.model}</td>
                  <td><code>${device.vendorId}:${device.productId}</code></td>
                  <td data-iommu>${device.iommuGroup ?? this.t.common.none}</td>
                  <td data-driver>${device.driver ?? this.t.common.none}</td>
                  <td data-held>${holder(device, this.vmNames, h)}</td>
                </tr>`,
              )}</tbody>
            </table>`
      }
    </section>`
  }
}

import { html, type TemplateResult } from "lit"
import type { HostDevice, VmDetail } from "../api/types.ts"
import { formatDateTime, formatMemory, type Locale, type Messages } from "../i18n/index.ts"

const block = (id: string, title: string, rows: ReadonlyArray<readonly [string, unknown]>) =>
  html`<section class="block" part="block" aria-labelledby=${id} data-block=${id}>
    <h3 id=${id}>${title}</h3>
    <dl>${rows.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl>
  </section>`

/** A GPU or USB device has no name of its own: its vendor and model, as the host reports them. */
const deviceName = (device: HostDevice) => `${device.vendor} ${device.model}`

/** D1 basic info, D2 runtime, D3 configuration, D4 bound resources. */
export const renderBlocks = (detail: VmDetail, t: Messages, locale: Locale): TemplateResult => {
  const d = t.detail
  const none = t.common.none
  const named = (value: { readonly name: string } | null) => value?.name ?? none
  const yesNo = (on: boolean) => (on ? t.common.yes : t.common.no)
  const ips = detail.resources.nics.flatMap((nic) => [nic.primaryIp, ...nic.secondaryIps])
  const tags = Object.entries(detail.vm.tags).map(([key, value]) => `${key}=${value}`)
  // The record's own settings (C1, R4, R5, R7, R12): what the edit actions change is shown here, as the list's
  // columns name it, so a user sees a remark or a reclaim date after setting it.
  return html`<div class="blocks">
    ${block("block-basic", d.basic, [
      [d.name, detail.vm.displayName],
      [d.hostname, detail.vm.hostname],
      [d.owner, named(detail.owner)],
      [d.company, named(detail.company)],
      [d.department, named(detail.department)],
      [t.columns.tags, tags.join(", ") || none],
      [t.columns.remarks, detail.vm.remarks || none],
      [
        t.columns.reclaimAt,
        detail.vm.reclaimAt === null ? t.common.never : formatDateTime(detail.vm.reclaimAt, locale),
      ],
      [t.columns.haEnabled, yesNo(detail.vm.haEnabled)],
      [t.columns.deletionProtected, yesNo(detail.vm.deletionProtected)],
    ])}
    ${block("block-runtime", d.runtime, [
      [d.state, t.states[detail.runtime.state] ?? detail.runtime.stateLabel],
      // The reason matters when the VM is in error: it tells the admin what to fix.
      ...(detail.runtime.state === "error" ? [[d.reason, detail.runtime.stateReason] as const] : []),
      [d.zone, detail.runtime.zone || none],
      [d.pod, detail.runtime.pod || none],
      [d.host, named(detail.runtime.host)],
    ])}
    ${block("block-config", d.config, [
      [d.cpus, detail.config.cpus],
      [d.sockets, detail.config.sockets],
      [d.coresPerSocket, detail.config.coresPerSocket],
      [d.memory, formatMemory(detail.config.memoryMiB)],
      [d.flavor, named(detail.config.flavor)],
      [d.image, named(detail.config.image)],
    ])}
    ${block("block-resources", d.resources, [
      [d.disks, detail.resources.disks.map((disk) => `${disk.name} (${disk.sizeGiB} GiB)`).join(", ") || none],
      [d.ips, ips.join(", ") || none],
      [d.gpus, detail.resources.gpus.map(deviceName).join(", ") || none],
      [d.usb, detail.resources.usbDevices.map(deviceName).join(", ") || none],
    ])}
  </div>`
}

import { html, type TemplateResult } from "lit"
import type { ApiClient } from "../api/client.ts"
import type { HostDevice, Image, Items, Task, VmDetail } from "../api/types.ts"
import type { ActionDialog } from "./dialog.ts"
import { verdictButton } from "./network-tab.ts"
import { type Loadable, type TabHost, TabModel } from "./tab-model.ts"
import { noticeView, table } from "./views.ts"

/** What the pickers offer: the library's ISO images and the devices of the VM's host. */
interface Choices {
  readonly isos: ReadonlyArray<Image>
  readonly hostDevices: ReadonlyArray<HostDevice>
}

/** A GPU or USB device has no name of its own: its vendor and model, as the host reports them. */
export const deviceName = (device: HostDevice) => `${device.vendor} ${device.model}`

/** Free for a VM: nobody holds it, it is still there, and a GPU sits in an IOMMU group (X1's passthrough needs one). */
const isFree = (device: HostDevice) =>
  device.vmId === null && device.present && (device.kind === "usb" || device.iommuGroup !== null)

/** X1: the free GPUs by model ("vendorId:productId"), each with how many of it are free. */
const gpuModels = (devices: ReadonlyArray<HostDevice>) => {
  const models = new Map<string, { readonly name: string; free: number }>()
  for (const device of devices) {
    if (device.kind !== "gpu" || !isFree(device)) continue
    const key = `${device.vendorId}:${device.productId}`
    const model = models.get(key) ?? { name: deviceName(device), free: 0 }
    model.free += 1
    models.set(key, model)
  }
  return [...models.entries()].map(([model, { name, free }]) => ({ model, name, free }))
}

/** B6: the stop dialog for a VM that holds devices (undefined: the stop needs no question). */
export const stopDialog = (
  action: string,
  detail: VmDetail,
  t: TabHost["t"],
  run: (detach: string) => void,
): ActionDialog | undefined => {
  const held = [
    ...detail.resources.usbDevices.map(deviceName),
    ...detail.resources.gpus.map(deviceName),
    ...(detail.vm.isoImageId === null ? [] : [t.devices.iso]),
  ]
  if (held.length === 0) return undefined
  const label = (t.actions as Readonly<Record<string, unknown>>)[action]
  const title = t.detail.confirmAction(typeof label === "string" ? label : action, detail.vm.displayName)
  return {
    action,
    kind: "stop",
    name: detail.vm.displayName,
    value: "",
    ask: {
      title,
      button: typeof label === "string" ? label : action,
      run,
      note: t.devices.holds(held.join(", ")),
    },
  }
}

/**
 * The detail's bound resources (D4, X1–X4): the ISO in the drive, the USB devices and GPUs the VM holds, with
 * insert/eject, attach and detach. Buttons follow the detail's allowedActions (the VM's own rules, with the reason
 * when refused); the dialogs pick from the ISO library and the host's free devices, and the API judges the choice
 * (its refusal shows here with its rule).
 */
export class DevicesSection extends TabModel<Choices> {
  private readonly path: string

  constructor(host: TabHost, vmId: string) {
    super(host)
    this.path = `/vms/${encodeURIComponent(vmId)}`
  }

  private hostId = ""

  /** Reads the pickers' choices for the VM's host (again when the host changed or a task ended). */
  refresh(detail: VmDetail): void {
    this.hostId = detail.vm.hostId ?? ""
    void this.load()
  }

  protected async fetch(): Promise<Loadable<Choices>> {
    const client = this.host.client()
    const [images, devices] = await Promise.all([
      client.get<Items<Image>>("/images"),
      this.hostId === ""
        ? Promise.resolve({ items: [] })
        : client.get<Items<HostDevice>>(`/hosts/${encodeURIComponent(this.hostId)}/devices`),
    ])
    return {
      status: "loaded",
      value: { isos: images.items.filter((image) => image.format === "iso"), hostDevices: devices.items },
    }
  }

  render(detail: VmDetail): TemplateResult {
    const t = this.host.t
    const d = t.devices
    const choices = this.data.status === "loaded" ? this.data.value : { isos: [], hostDevices: [] }
    const verdict = (action: string) => detail.allowedActions.find((entry) => entry.action === action)
    const button = (
      action: string,
      label: string,
      run: () => void,
      busyKey: string,
      options: { danger?: boolean; aria?: string } = {},
    ) => verdictButton(verdict(action), label, run, { data: action, busy: this.busy.has(busyKey), ...options })
    const isoId = detail.vm.isoImageId
    const isoName =
      isoId === null ? d.noIso : (choices.isos.find((image) => image.id === isoId)?.name ?? d.isoMissing(isoId))
    const rows: Array<ReadonlyArray<unknown>> = [
      [
        d.iso,
        html`<span data-iso=${isoId ?? ""}>${isoName}</span>`,
        html`<span class="row-actions">${
          isoId === null
            ? button("attach-iso", d.insertIso, () => this.insertIso(choices), "iso")
            : button("detach-iso", d.ejectIso, () => this.ejectIso(isoName), "iso", { danger: true })
        }</span>`,
      ],
    ]
    const ids = ["iso"]
    for (const [kind, devices] of [
      ["usb", detail.resources.usbDevices],
      ["gpu", detail.resources.gpus],
    ] as const) {
      for (const device of devices) {
        const name = deviceName(device)
        rows.push([
          kind === "usb" ? d.usb : d.gpu,
          html`<span data-device=${device.address}>${name}</span> <span class="muted">${device.address}</span>`,
          button(`detach-${kind}`, d.detach, () => this.detach(kind, device), device.id, {
            danger: true,
            aria: d.detachOf(name),
          }),
        ])
        ids.push(device.id)
      }
    }
    return html`<section class="block devices" part="block" aria-labelledby="block-devices" data-block="block-devices">
      <h3 id="block-devices">${d.section}</h3>
      ${noticeView(this.notice, t)}
      ${table([d.kind, d.device, d.actionsColumn], rows, ids)}
      ${rows.length === 1 ? html`<p class="muted">${d.noDevices}</p>` : ""}
      <div class="row-actions">
        ${button("attach-usb", d.attachUsb, () => this.attachUsb(choices), "attach-usb")}
        ${button("attach-gpu", d.attachGpu, () => this.attachGpu(choices), "attach-gpu")}
      </div>
    </section>`
  }

  private choose(
    action: string,
    options: ReadonlyArray<{ readonly value: string; readonly label: string }>,
    text: { readonly title: string; readonly label: string; readonly note: string; readonly empty: string },
    run: (value: string) => void,
  ) {
    this.host.ask({
      action,
      kind: "device",
      name: "",
      value: options[0]?.value ?? "",
      options,
      ask: { ...text, button: text.title, run },
    })
  }

  private insertIso(choices: Choices) {
    const d = this.host.t.devices
    const options = choices.isos.map((image) => ({ value: image.id, label: image.name }))
    this.choose(
      "attach-iso",
      options,
      { title: d.insertIso, label: d.chooseIso, note: d.isoNote, empty: d.noIsos },
      (imageId) => {
        const name = choices.isos.find((image) => image.id === imageId)?.name ?? imageId
        void this.act(
          "iso",
          (client) => client.post(`${this.path}/iso`, { imageId }),
          () => d.inserted(name),
        )
      },
    )
  }

  private ejectIso(name: string) {
    const d = this.host.t.devices
    this.confirm(d.confirmEject(name), d.ejectIso, () =>
      this.act(
        "iso",
        (client) => client.delete(`${this.path}/iso`),
        () => d.ejected,
      ),
    )
  }

  private attachUsb(choices: Choices) {
    const d = this.host.t.devices
    const free = choices.hostDevices.filter((device) => device.kind === "usb" && isFree(device))
    const options = free.map((device) => ({ value: device.id, label: `${deviceName(device)} · ${device.address}` }))
    this.choose(
      "attach-usb",
      options,
      { title: d.attachUsb, label: d.chooseUsb, note: d.usbNote, empty: d.noFreeUsb },
      (deviceId) => {
        const device = free.find((candidate) => candidate.id === deviceId)
        const name = device === undefined ? deviceId : deviceName(device)
        void this.act(
          "attach-usb",
          (client) => client.post(`${this.path}/usb`, { deviceId }),
          () => d.attached(name),
        )
      },
    )
  }

  private attachGpu(choices: Choices) {
    const d = this.host.t.devices
    const models = gpuModels(choices.hostDevices)
    // one choice per model and count: GPUs of one model, all or none (X1)
    const options = models.flatMap(({ model, name, free }) =>
      Array.from({ length: free }, (_, i) => ({ value: `${model}*${i + 1}`, label: d.gpuChoice(name, i + 1, free) })),
    )
    this.choose(
      "attach-gpu",
      options,
      { title: d.attachGpu, label: d.chooseGpu, note: d.gpuNote, empty: d.noFreeGpu },
      (value) => {
        const [model = "", count = "1"] = value.split("*")
        const name = models.find((entry) => entry.model === model)?.name ?? model
        void this.act(
          "attach-gpu",
          (client) => client.post(`${this.path}/gpus`, { model, count: Number(count) }),
          () => d.attached(`${name} × ${count}`),
        )
      },
    )
  }

  private detach(kind: "usb" | "gpu", device: HostDevice) {
    const d = this.host.t.devices
    const name = deviceName(device)
    const route = kind === "usb" ? "usb" : "gpus"
    this.confirm(kind === "gpu" ? d.confirmDetachGpu(name) : d.confirmDetach(name), d.detach, () =>
      this.act(
        device.id,
        (client: ApiClient) =>
          client.delete<{ readonly task: Task }>(`${this.path}/${route}/${encodeURIComponent(device.id)}`),
        () => d.detached(name),
      ),
    )
  }

  private confirm(title: string, button: string, run: () => void) {
    this.host.ask({ action: "device", kind: "confirm", name: "", value: "", ask: { title, button, run } })
  }
}

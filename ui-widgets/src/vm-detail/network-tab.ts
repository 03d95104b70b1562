import { html, nothing, type TemplateResult } from "lit"
import { repeat } from "lit/directives/repeat.js"
import { offeredRoutes, offers } from "../api/capabilities.ts"
import type { ApiClient } from "../api/client.ts"
import type { AllowedAction, Items, Network, Nic, Task, VmDetail, VmNic } from "../api/types.ts"
import type { Messages } from "../i18n/index.ts"
import { type Loadable, type TabHost, TabModel } from "./tab-model.ts"
import { noticeView, table } from "./views.ts"

/** The NICs as the detail lists them: what an agent without the NIC routes shows. */
const detailNics = (detail: VmDetail, t: Messages) => {
  const n = t.tabs.nic
  if (detail.resources.nics.length === 0) return html`<p class="muted">${t.tabs.noNics}</p>`
  const yes = (on: boolean) => (on ? t.common.yes : t.common.no)
  return table(
    [n.ip, n.secondary, n.mac, n.isDefault, n.dhcp],
    detail.resources.nics.map((nic) => [
      nic.primaryIp,
      nic.secondaryIps.join(", ") || t.common.none,
      nic.mac,
      yes(nic.isDefault),
      yes(nic.dhcp),
    ]),
  )
}

/** A button whose state is the server's verdict: refused ones are disabled with the rule's message on hover. */
export const verdictButton = (
  verdict: AllowedAction | undefined,
  label: string,
  run: () => void,
  options: { readonly data: string; readonly busy: boolean; readonly danger?: boolean; readonly aria?: string },
) => {
  const allowed = verdict?.allowed === true
  const reason = allowed ? undefined : (verdict?.message ?? undefined)
  return html`<button type="button" class=${options.danger ? "danger" : ""} data-act=${options.data}
    data-rule=${allowed ? "" : (verdict?.rule ?? "")} ?disabled=${!allowed || options.busy} title=${reason ?? ""}
    aria-label=${options.aria ?? nothing} aria-description=${reason ?? nothing} @click=${run}>${label}</button>`
}

const verdictOf = (nic: VmNic, action: string) => nic.allowedActions.find((entry) => entry.action === action)

/**
 * The network tab (D5, N1–N6): the VM's networks with primary and secondary IPs, default first; join a network (N1),
 * edit the primary IP while stopped (N2), acquire and delete secondary IPs (N3, N4), set the default (N5), remove a
 * network (N6). Each button is enabled or not from the NIC's allowedActions (the VM's for joining), with the reason.
 */
export class NetworkTab extends TabModel<ReadonlyArray<VmNic>> {
  private readonly path: string
  /** The networks the VM may join (N1), with their free-IP counts. */
  private networks: ReadonlyArray<Network> = []

  constructor(host: TabHost, vmId: string) {
    super(host)
    this.path = `/vms/${encodeURIComponent(vmId)}/nics`
  }

  refresh(): void {
    void this.load()
  }

  protected async fetch(): Promise<Loadable<ReadonlyArray<VmNic>>> {
    const client = this.host.client()
    const routes = await offeredRoutes(client)
    if (!offers(routes, "GET", "/vms/{id}/nics")) return { status: "absent" }
    const [nics, networks] = await Promise.all([
      client.get<Items<VmNic>>(this.path),
      offers(routes, "GET", "/networks") ? client.get<Items<Network>>("/networks") : Promise.resolve({ items: [] }),
    ])
    this.networks = networks.items
    return { status: "loaded", value: nics.items }
  }

  render(detail: VmDetail): TemplateResult {
    const t = this.host.t
    const data = this.data
    if (data.status === "error") return html`<p class="error" role="alert">${data.message}</p>`
    if (data.status !== "loaded") return detailNics(detail, t)
    return html`<section data-nics aria-label=${t.tabs.network}>
      ${this.joinForm(detail, data.value)} ${noticeView(this.notice, t)}
      ${data.value.length === 0 ? html`<p class="muted">${t.tabs.noNics}</p>` : this.list(data.value)}
    </section>`
  }

  /** N1: the networks the VM is not on; one without a free IP is listed but cannot be chosen. */
  private joinForm(detail: VmDetail, nics: ReadonlyArray<VmNic>) {
    const o = this.host.t.tabs.nicOps
    const joined = new Set(nics.map((nic) => nic.networkId))
    const open = this.networks.filter((network) => !joined.has(network.id))
    const verdict = detail.allowedActions.find((entry) => entry.action === "join-network")
    const allowed = verdict === undefined || verdict.allowed
    const reason = allowed ? undefined : (verdict?.message ?? undefined)
    if (open.length === 0) return html`<p class="muted" data-none-to-join>${o.noneToJoin}</p>`
    const submit = (event: Event) => {
      event.preventDefault()
      const data = new FormData(event.target as HTMLFormElement)
      const networkId = String(data.get("networkId") ?? "")
      const ip = String(data.get("ip") ?? "").trim()
      const name = open.find((network) => network.id === networkId)?.name ?? networkId
      const body = { networkId, ...(ip === "" ? {} : { ip }), dhcp: data.get("dhcp") === "on" }
      let address = ip
      void this.act(
        "join",
        async (client) => {
          const reply = await client.post<{ readonly task: Task; readonly nic: Nic }>(this.path, body)
          address = reply.nic.primaryIp
          return reply
        },
        () => o.joined(name, address),
      )
    }
    // options keyed by network: when the joined one leaves the list, the browser selects the first enabled one again
    const first = open.find((network) => network.free > 0)
    return html`<form class="inline-form" data-join-network @submit=${submit}>
      <label>${o.network}<select name="networkId">
        ${repeat(
          open,
          (network) => network.id,
          (network) =>
            html`<option value=${network.id} ?disabled=${network.free === 0}>${
              network.free === 0
                ? o.full(network.name)
                : `${network.name} · ${network.subnets.map((s) => s.cidr).join(", ")} · ${this.host.t.create.networkFree(network.free)}`
            }</option>`,
        )}
      </select></label>
      <label>${o.ip}<input name="ip" type="text" inputmode="decimal" autocomplete="off" /></label>
      <label class="check"><input name="dhcp" type="checkbox" checked /> ${o.dhcp}</label>
      <button type="submit" class="primary" data-act="join" ?disabled=${!allowed || first === undefined || this.busy.has("join")}
        title=${reason ?? ""} aria-description=${reason ?? nothing} data-rule=${allowed ? "" : (verdict?.rule ?? "")}>
        ${o.join}</button>
    </form>`
  }

  private list(nics: ReadonlyArray<VmNic>) {
    const { t } = this.host
    const n = t.tabs.nic
    const yes = (on: boolean) => (on ? t.common.yes : t.common.no)
    const kinds = t.create.networkKinds as Readonly<Record<string, string>>
    return table(
      [n.network, n.subnet, n.ip, n.secondary, n.mac, n.isDefault, n.dhcp, t.tabs.actionsColumn],
      nics.map((nic) => [
        html`<strong>${nic.networkName}</strong> <span class="muted">${kinds[nic.networkKind] ?? nic.networkKind}</span>`,
        nic.cidr,
        html`<span data-primary-ip>${nic.primaryIp}</span>`,
        this.secondaries(nic),
        nic.mac,
        html`<span data-default=${nic.isDefault}>${yes(nic.isDefault)}</span>`,
        yes(nic.dhcp),
        this.actions(nic),
      ]),
      nics.map((nic) => nic.id),
    )
  }

  /** N4: each secondary IP with its delete button (confirmed first). */
  private secondaries(nic: VmNic) {
    const { t } = this.host
    const o = t.tabs.nicOps
    if (nic.secondaryIps.length === 0) return t.common.none
    const verdict = verdictOf(nic, "remove-secondary-ip")
    return html`<ul class="plain" data-secondary-ips>${nic.secondaryIps.map(
      (ip) =>
        html`<li data-secondary-ip=${ip}><span>${ip}</span> ${verdictButton(
          verdict,
          "×",
          () =>
            this.ask(o.confirmRemoveSecondary(ip), o.removeSecondary(ip), () =>
              this.act(
                `${nic.id}:${ip}`,
                (client) => client.delete(`${this.nicPath(nic)}/secondary-ips/${encodeURIComponent(ip)}`),
                () => o.secondaryRemoved(ip),
              ),
            ),
          {
            data: "remove-secondary-ip",
            busy: this.busy.has(`${nic.id}:${ip}`),
            danger: true,
            aria: o.removeSecondary(ip),
          },
        )}</li>`,
    )}</ul>`
  }

  private actions(nic: VmNic) {
    const o = this.host.t.tabs.nicOps
    const busy = this.busy.has(nic.id)
    const act = (call: (client: ApiClient) => Promise<{ readonly task: Task }>, done: () => string) =>
      this.act(nic.id, call, done)
    const editIp = () =>
      this.host.ask({
        action: "nic",
        kind: "ip",
        name: nic.networkName,
        value: nic.primaryIp,
        ask: {
          title: o.editIpTitle(nic.networkName),
          button: o.editIp,
          run: (ip) =>
            act(
              (client) => client.put(`${this.nicPath(nic)}/primary-ip`, { ip: ip.trim() }),
              () => o.ipEdited(nic.networkName),
            ),
        },
      })
    let acquired = ""
    const addSecondary = () =>
      act(
        async (client) => {
          const reply = await client.post<{ readonly task: Task; readonly address: string }>(
            `${this.nicPath(nic)}/secondary-ips`,
            {},
          )
          acquired = reply.address
          return reply
        },
        () => o.secondaryAdded(acquired),
      )
    const setDefault = () =>
      this.ask(o.confirmSetDefault(nic.networkName), o.setDefault, () =>
        act(
          (client) => client.put(`${this.nicPath(nic)}/default`, {}),
          () => o.defaultSet(nic.networkName),
        ),
      )
    const remove = () =>
      this.ask(o.confirmRemove(nic.networkName), o.remove, () =>
        act(
          (client) => client.delete(this.nicPath(nic)),
          () => o.removed(nic.networkName),
        ),
      )
    const button = (action: string, label: string, run: () => void, danger = false) =>
      verdictButton(verdictOf(nic, action), label, run, {
        data: action,
        busy,
        danger,
        aria: `${label}: ${nic.networkName}`,
      })
    return html`<span class="row-actions">
      ${button("edit-primary-ip", o.editIp, editIp)} ${button("add-secondary-ip", o.addSecondary, addSecondary)}
      ${button("set-default", o.setDefault, setDefault)} ${button("remove", o.remove, remove, true)}
    </span>`
  }

  private nicPath(nic: VmNic) {
    return `${this.path}/${encodeURIComponent(nic.id)}`
  }

  private ask(title: string, button: string, run: () => void) {
    this.host.ask({ action: "nic", kind: "confirm", name: "", value: "", ask: { title, button, run } })
  }
}

import { html, nothing, type TemplateResult } from "lit"
import type { Network } from "../api/types.ts"
import { countOf } from "./form.ts"
import { autoPick, choosable, patchPick, togglePick } from "./network-choice.ts"
import type { StepView } from "./steps.ts"

const checkedOf = (event: Event) => (event.target as HTMLInputElement).checked
const textOf = (event: Event) => (event.target as HTMLInputElement).value

/** One network row of the manual choice: chosen or not, then (once chosen) default, DHCP and an optional fixed IP. */
const networkRow = (v: StepView, network: Network) => {
  const t = v.t.create
  const pick = v.form.networks.find((p) => p.networkId === network.id)
  const full = !choosable(network)
  const single = countOf(v.form) === 1
  const subnets = network.subnets.map((subnet) => subnet.cidr).join(", ")
  return html`<tr data-network=${network.id} data-free=${network.free}>
    <td><label class="check" title=${full ? t.networkFull : ""}>
      <input type="checkbox" data-choose .checked=${pick !== undefined} ?disabled=${full && pick === undefined}
        aria-description=${full ? t.networkFull : nothing}
        @change=${(e: Event) => v.setNetworks({ networks: togglePick(v.form, network, checkedOf(e)) })} />
      <strong>${network.name}</strong></label>
      ${full ? html`<small class="error" data-full>${t.networkFull}</small>` : nothing}</td>
    <td>${t.networkKinds[network.kind]}</td>
    <td>${subnets}</td>
    <td data-free-count>${t.networkFree(network.free)}</td>
    <td>${
      pick === undefined
        ? nothing
        : html`<label class="check"><input type="radio" name="default-network" data-default .checked=${pick.isDefault}
        @change=${() => v.setNetworks({ networks: patchPick(v.form, network.id, { isDefault: true }) })} />
        ${t.networkDefault}</label>
      <label class="check"><input type="checkbox" data-dhcp .checked=${pick.dhcp}
        @change=${(e: Event) => v.setNetworks({ networks: patchPick(v.form, network.id, { dhcp: checkedOf(e) }) })} />
        ${t.networkDhcp}</label>
      <label>${t.networkIp}<input type="text" part="input" data-ip inputmode="decimal" autocomplete="off"
        placeholder=${t.networkIpAuto} ?disabled=${!single} title=${single ? "" : t.networkIpBatch}
        .value=${single ? pick.ip : ""}
        @input=${(e: Event) => v.setNetworks({ networks: patchPick(v.form, network.id, { ip: textOf(e) }) })} /></label>`
    }</td>
  </tr>`
}

/**
 * C6: automatic (the subnet with the most free IPs, previewed) or one or more networks by hand, each with its free-IP
 * count (0: cannot be chosen, with the reason), an optional fixed IP (one VM only), a DHCP flag and exactly one default.
 */
export const networkStep = (v: StepView, message: string | undefined): TemplateResult => {
  const t = v.t.create
  const best = autoPick(v.networks)
  const rule = v.shown.get("networks")
  return html`<fieldset part="fieldset" data-field="networks" aria-describedby="networks-error">
    <legend>${t.steps.network}</legend>
    <label class="check"><input type="radio" name="network-mode" value="auto" .checked=${v.form.networkMode === "auto"}
      @change=${() => v.setNetworks({ networkMode: "auto" })} /> ${t.networkAuto}</label>
    ${
      v.networks.length === 0
        ? html`<p class="muted" data-network-note>${t.networkNone}</p>`
        : v.form.networkMode === "auto"
          ? html`<p class="muted" data-auto-pick>${best ? t.networkAutoPick(best.name, best.free) : t.networkAllFull}</p>`
          : nothing
    }
    <label class="check"><input type="radio" name="network-mode" value="manual" ?disabled=${v.networks.length === 0}
      .checked=${v.form.networkMode === "manual"} @change=${() => v.setNetworks({ networkMode: "manual" })} />
      ${t.networkManual}</label>
    ${
      v.form.networkMode === "manual"
        ? html`<table part="networks" data-networks><thead><tr>
            <th scope="col">${t.networkName}</th><th scope="col">${t.networkKind}</th>
            <th scope="col">${t.networkCidr}</th><th scope="col">${t.networkFreeColumn}</th>
            <th scope="col">${t.networkSettings}</th></tr></thead>
            <tbody>${v.networks.map((network) => networkRow(v, network))}</tbody></table>`
        : nothing
    }
    <small id="networks-error" class="error" aria-live="polite" data-rule=${typeof rule === "object" ? rule.rule : ""}
      >${message ?? ""}</small>
  </fieldset>`
}

/** The confirm step's line: automatic, or each chosen network with its IP, DHCP and the default mark. */
export const networkSummary = (v: StepView): string => {
  const t = v.t.create
  if (v.form.networkMode === "auto") return v.networks.length === 0 ? t.networkNoneShort : t.networkAutoShort
  return v.form.networks
    .map((pick) => {
      const name = v.networks.find((network) => network.id === pick.networkId)?.name ?? pick.networkId
      return t.networkPicked(name, pick.ip.trim() || t.networkIpAuto, pick.dhcp, pick.isDefault)
    })
    .join("; ")
}

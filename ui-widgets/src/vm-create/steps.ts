import { html, nothing, type TemplateResult } from "lit"
import type { Flavor, Image, Network, User } from "../api/types.ts"
import { formatMemory, formatMoney, type Locale, type Messages } from "../i18n/index.ts"
import {
  type CreateForm,
  countOf,
  type FieldKey,
  namePreview,
  namesFromTags,
  type Refusal,
  type Step,
  topologyOf,
} from "./form.ts"
import "../date-field/hx-date-field.ts"
import { formatDay } from "../date-field/date-parts.ts"
import type { NetworkForm } from "./network-choice.ts"
import { networkStep, networkSummary } from "./network-step.ts"

/** What a step's template reads and calls. */
export interface StepView {
  readonly t: Messages
  readonly locale: Locale
  readonly currency: string
  readonly form: CreateForm
  /** Refusals to show now: the fields the user has touched, or all of a step they tried to leave. */
  readonly shown: ReadonlyMap<FieldKey, Refusal | string>
  readonly images: ReadonlyArray<Image>
  readonly flavors: ReadonlyArray<Flavor>
  readonly image: Image | undefined
  readonly flavor: Flavor | undefined
  readonly networks: ReadonlyArray<Network>
  /** C1: the users the caller may create VMs for (oneself alone for a plain user). */
  readonly users: ReadonlyArray<User>
  set(patch: Partial<CreateForm>, field?: FieldKey): void
  setTag(key: keyof CreateForm["tags"], value: string): void
  setDisk(index: number, patch: Partial<CreateForm["dataDisks"][number]>): void
  addDisk(): void
  removeDisk(index: number): void
  setNetworks(patch: Partial<NetworkForm>): void
}

const eventValue = (event: Event) => (event.target as HTMLInputElement).value
const checkedOf = (event: Event) => (event.target as HTMLInputElement).checked

const messageOf = (t: Messages, refusal: Refusal | string | undefined): string | undefined => {
  if (refusal === undefined || typeof refusal === "string") return refusal
  const text = (t.rules as Readonly<Record<string, string | ((n: number) => string)>>)[refusal.rule]
  if (typeof text === "function") return text(refusal.arg ?? 0)
  return text ?? refusal.rule
}

/** A labelled control with its hint and, when a rule refuses, the rule's message (announced politely). */
const field = (
  v: StepView,
  key: FieldKey,
  label: string,
  control: (describedBy: string, invalid: boolean) => TemplateResult,
  hint?: string,
) => {
  const message = messageOf(v.t, v.shown.get(key))
  const describedBy = [hint ? `${key}-hint` : "", `${key}-error`].filter((id) => id !== "").join(" ")
  return html`<div class="field" part="field" data-field=${key}>
    <label for=${key}>${label}</label>
    ${control(describedBy, message !== undefined)}
    ${hint ? html`<small id=${`${key}-hint`} class="muted">${hint}</small>` : nothing}
    <small id=${`${key}-error`} class="error" part="field-error" aria-live="polite" data-rule=${
      typeof v.shown.get(key) === "object" ? (v.shown.get(key) as Refusal).rule : ""
    }>${message ?? ""}</small>
  </div>`
}

/** C1 "设置虚拟机所有者": an admin creates VMs for a user of their scope; empty is the signed-in user. */
const owner = (v: StepView) =>
  field(
    v,
    "ownerId",
    v.t.create.owner,
    (d, bad) => html`<select id="ownerId" part="input" aria-describedby=${d} aria-invalid=${bad}
      @change=${(e: Event) => v.set({ ownerId: eventValue(e) }, "ownerId")}>
      <option value="" ?selected=${v.form.ownerId === ""}>${v.t.create.ownerSelf}</option>
      ${v.users.map(
        (user) =>
          html`<option value=${user.id} ?selected=${v.form.ownerId === user.id}>${user.name} · ${user.email}</option>`,
      )}
    </select>`,
  )

const basic = (v: StepView) => {
  const t = v.t.create
  const several = countOf(v.form) !== 1
  const preview = namesFromTags(v.form) ? namePreview(v.form) : undefined
  return html`
    ${v.users.length > 1 ? owner(v) : nothing}
    ${field(
      v,
      "count",
      t.count,
      (d, bad) => html`<input id="count" type="number" min="1" max="10" inputmode="numeric" part="input"
        aria-describedby=${d} aria-invalid=${bad} .value=${v.form.count}
        @input=${(e: Event) => v.set({ count: eventValue(e) }, "count")} />`,
    )}
    ${field(
      v,
      "name",
      t.name,
      (d, bad) => html`<input id="name" type="text" part="input" autocomplete="off" ?disabled=${several}
        aria-describedby=${d} aria-invalid=${bad} .value=${several ? "" : v.form.name}
        @input=${(e: Event) => v.set({ name: eventValue(e) }, "name")} />`,
      several ? t.nameBatchHint : v.form.name === "" ? t.nameGeneratedHint : t.nameHint,
    )}
    <fieldset class="tags" part="fieldset" aria-describedby="tags-error">
      <legend>${t.tags}</legend>
      ${(["app-group", "app-role", "app-type"] as const).map((key) => {
        const label = { "app-group": t.appGroup, "app-role": t.appRole, "app-type": t.appType }[key]
        return html`<label>${label}<input type="text" part="input" data-tag=${key} .value=${v.form.tags[key]}
          aria-invalid=${v.shown.has("tags")} @input=${(e: Event) => v.setTag(key, eventValue(e))} /></label>`
      })}
      ${preview ? html`<small class="muted" data-preview>${t.namePreview(preview)}</small>` : nothing}
      <small id="tags-error" class="error" aria-live="polite" data-field="tags" data-rule=${v.shown.has("tags") ? "name-tags" : ""}
        >${messageOf(v.t, v.shown.get("tags")) ?? ""}</small>
    </fieldset>
    ${field(
      v,
      "reclaimAt",
      t.reclaim,
      (d, bad) => html`<hx-date-field id="reclaimAt" .locale=${v.locale} label=${t.reclaim} aria-describedby=${d}
        ?invalid=${bad} .value=${v.form.reclaimAt}
        @input=${(e: Event) => v.set({ reclaimAt: eventValue(e) }, "reclaimAt")}></hx-date-field>`,
      t.reclaimHint,
    )}
    ${field(
      v,
      "remarks",
      t.remarks,
      (d, bad) => html`<textarea id="remarks" rows="2" part="input" aria-describedby=${d} aria-invalid=${bad}
        .value=${v.form.remarks} @input=${(e: Event) => v.set({ remarks: eventValue(e) }, "remarks")}></textarea>`,
    )}`
}

const imageStep = (v: StepView) => html`<fieldset class="choices" part="fieldset" aria-describedby="imageId-error">
  <legend>${v.t.create.image}</legend>
  ${v.images.map(
    (image) => html`<label class="choice" part="choice">
      <input type="radio" name="image" value=${image.id} .checked=${v.form.imageId === image.id}
        @change=${() => v.set({ imageId: image.id }, "imageId")} />
      <span><strong>${image.name}</strong> <span class="muted">${image.osName} · ${v.t.create.minimums(
        image.minCores,
        image.minDiskGiB,
      )}</span></span>
      <span class="price">${formatMoney(image.perDay, v.locale, v.currency)}</span>
    </label>`,
  )}
  <small id="imageId-error" class="error" aria-live="polite">${messageOf(v.t, v.shown.get("imageId")) ?? ""}</small>
</fieldset>`

const sockets = (v: StepView) => {
  const topology = topologyOf(v.form, v.flavor)
  if (topology === undefined) return nothing
  const cpus = v.flavor?.cpus ?? 1
  return html`<div class="field"><label for="sockets">${v.t.create.sockets}</label>
    <select id="sockets" part="input" @change=${(e: Event) => v.set({ sockets: eventValue(e) })}>
      <option value="auto" ?selected=${topology.chosen === undefined}>
        ${v.t.create.socketsAuto(topology.auto.sockets, topology.auto.coresPerSocket)}</option>
      ${topology.divisors.map(
        (n) =>
          html`<option value=${n} ?selected=${topology.chosen === n}>${v.t.create.socketsManual(n, cpus / n)}</option>`,
      )}
    </select></div>`
}

const disks = (v: StepView) => html`<fieldset part="fieldset"><legend>${v.t.create.dataDisks}</legend>
  ${v.form.dataDisks.map(
    (disk, index) => html`<div class="disk">
      ${field(
        v,
        `disk-${index}`,
        v.t.create.diskSize(index + 1),
        (d, bad) => html`<input id=${`disk-${index}`} type="number" min="1" max="65536" part="input"
          aria-describedby=${d} aria-invalid=${bad} .value=${disk.sizeGiB}
          @input=${(e: Event) => v.setDisk(index, { sizeGiB: eventValue(e) })} />`,
      )}
      <label>${v.t.create.storageClass(index + 1)}<input type="text" part="input" .value=${disk.storageClass}
        @input=${(e: Event) => v.setDisk(index, { storageClass: eventValue(e) })} /></label>
      <button type="button" @click=${() => v.removeDisk(index)}>${v.t.create.removeDisk(index + 1)}</button>
    </div>`,
  )}
  <button type="button" part="button" @click=${v.addDisk}>${v.t.create.addDisk}</button>
</fieldset>`

const login = (v: StepView) => {
  const t = v.t.create
  const linux = v.image?.osFamily !== "windows"
  return html`<fieldset part="fieldset"><legend>${t.login}</legend>
    <label><input type="radio" name="login" .checked=${v.form.loginMethod === "password"}
      @change=${() => v.set({ loginMethod: "password" })} /> ${t.loginPassword}</label>
    ${
      linux
        ? html`<label><input type="radio" name="login" .checked=${v.form.loginMethod === "ssh-key"}
      @change=${() => v.set({ loginMethod: "ssh-key" })} /> ${t.loginKey}</label>`
        : nothing
    }
    ${
      v.form.loginMethod === "password"
        ? field(
            v,
            "password",
            t.password,
            (d, bad) => html`<input id="password" type="password" part="input" autocomplete="new-password"
              aria-describedby=${d} aria-invalid=${bad} .value=${v.form.password}
              @input=${(e: Event) => v.set({ password: eventValue(e) }, "password")} />`,
            t.passwordHint,
          )
        : field(
            v,
            "keyPairId",
            t.keyPair,
            (d, bad) => html`<input id="keyPairId" type="text" part="input" aria-describedby=${d} aria-invalid=${bad}
              .value=${v.form.keyPairId} @input=${(e: Event) => v.set({ keyPairId: eventValue(e) }, "keyPairId")} />`,
          )
    }
  </fieldset>`
}

const check = (label: string, checked: boolean, onChange: (on: boolean) => void) =>
  html`<label class="check"><input type="checkbox" .checked=${checked} @change=${(e: Event) => onChange(checkedOf(e))} />
    ${label}</label>`

const config = (v: StepView) => {
  const t = v.t.create
  return html`<fieldset class="choices" part="fieldset" aria-describedby="flavorId-error">
      <legend>${t.flavor}</legend>
      ${v.flavors.map(
        (flavor) => html`<label class="choice" part="choice">
          <input type="radio" name="flavor" value=${flavor.id} .checked=${v.form.flavorId === flavor.id}
            @change=${() => v.set({ flavorId: flavor.id, sockets: "auto" }, "flavorId")} />
          <span><strong>${flavor.name}</strong> <span class="muted">${t.flavorSpec(flavor.cpus, formatMemory(flavor.memoryMiB))}</span></span>
          <span class="price">${formatMoney(flavor.perDay, v.locale, v.currency)}</span>
        </label>`,
      )}
      <small id="flavorId-error" class="error" aria-live="polite" data-rule=${
        typeof v.shown.get("flavorId") === "object" ? (v.shown.get("flavorId") as Refusal).rule : ""
      }>${messageOf(v.t, v.shown.get("flavorId")) ?? ""}</small>
    </fieldset>
    ${sockets(v)} ${disks(v)} ${login(v)}
    ${check(t.ha, v.form.haEnabled, (on) => v.set({ haEnabled: on }))}
    ${check(t.dedicatedHost, v.form.dedicatedHost, (on) => v.set({ dedicatedHost: on }))}
    ${v.image?.osFamily === "windows" ? check(t.domainJoin, v.form.domainJoin, (on) => v.set({ domainJoin: on })) : nothing}
    ${check(t.start, v.form.start, (on) => v.set({ start: on }))}`
}

const confirm = (v: StepView) => {
  const t = v.t.create
  const owner = v.users.find((user) => user.id === v.form.ownerId)
  const rows: Array<[string, string]> = [
    ...(v.users.length > 1 ? [[t.owner, owner?.name ?? t.ownerSelf] as [string, string]] : []),
    [t.count, v.form.count],
    [t.name, namesFromTags(v.form) ? (namePreview(v.form) ?? v.t.common.none) : v.form.name],
    [t.image, v.image?.name ?? v.t.common.none],
    [t.flavor, v.flavor ? `${v.flavor.name} (${t.flavorSpec(v.flavor.cpus, formatMemory(v.flavor.memoryMiB))})` : ""],
    [t.dataDisks, v.form.dataDisks.map((d) => `${d.sizeGiB} GiB`).join(", ") || v.t.common.none],
    [t.login, v.form.loginMethod === "password" ? t.loginPassword : t.loginKey],
    [t.reclaim, v.form.reclaimAt === "" ? v.t.common.never : formatDay(v.form.reclaimAt, v.locale)],
    [v.t.create.steps.network, networkSummary(v)],
  ]
  return html`<h4>${t.summary}</h4><dl class="summary" part="summary">
    ${rows.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}
  </dl>`
}

export const renderStep = (step: Step, v: StepView): TemplateResult => {
  switch (step) {
    case "basic":
      return basic(v)
    case "image":
      return imageStep(v)
    case "config":
      return config(v)
    case "network":
      return networkStep(v, messageOf(v.t, v.shown.get("networks")))
    case "confirm":
      return confirm(v)
  }
}

import { html, nothing, type TemplateResult } from "lit"
import { isValidPassword } from "../../../core/rules/input-checks.ts"
import type { Messages } from "../i18n/index.ts"
import "../date-field/hx-date-field.ts"
import { validIsoDate } from "../date-field/date-parts.ts"
import { validName } from "../vm-create/form.ts"
import { type LoginDialogKind, loginInput, loginRefusal } from "./login-dialogs.ts"

/**
 * The detail's one dialog: confirm a drastic action, type an action's input, or show a password once. The snapshots
 * and disks tabs ask through it too, with their own question, button and what confirming does.
 */
export interface ActionDialog {
  readonly action: string
  readonly kind:
    | "confirm"
    | "name"
    | "remarks"
    | "reclaim"
    | "password"
    | "new-disk"
    | "flavor"
    | "sockets"
    | "ip"
    | "host"
    | "clone"
    | "image"
    | "image-name"
    | "owner"
    | "device"
    | "stop"
    | LoginDialogKind
  /** The VM's display name, for the question. */
  readonly name: string
  readonly value: string
  /** A password typed beside the value (clone, R8); empty: random. */
  readonly secret?: string
  readonly ask?: {
    readonly title: string
    readonly button: string
    readonly run: (value: string) => void
    /** A "device" dialog's (D4) field label, note, and what it says when there is nothing to choose. */
    readonly label?: string
    readonly note?: string
    readonly empty?: string
  }
  /** The choices of a "flavor" (K1), "image" (K2), "owner" (R3), "host" (R9) or "device" (D4) dialog. */
  readonly options?: ReadonlyArray<{ readonly value: string; readonly label: string }>
}

export interface DialogHandlers {
  close(): void
  change(value: string): void
  changeSecret(value: string): void
  confirm(): void
}

const actionLabel = (t: Messages, action: string) => {
  const label = (t.actions as Readonly<Record<string, unknown>>)[action]
  return typeof label === "string" ? label : action
}

/** What the typed input breaks, mirrored from the core's rules so the user sees it before sending. */
const inputRefusal = (dialog: ActionDialog, t: Messages): string | undefined => {
  if ((dialog.kind === "name" || dialog.kind === "clone") && !validName(dialog.value.trim())) {
    return t.rules["name-format"]
  }
  if (dialog.kind === "image-name" && (dialog.value.trim() === "" || dialog.value.length > 64)) {
    return t.detail.imageNameRule
  }
  const secret = dialog.secret ?? ""
  if (dialog.kind === "clone" && secret !== "" && !isValidPassword(secret)) return t.rules["password-format"]
  if (dialog.kind === "device" && (dialog.options ?? []).length === 0) return dialog.ask?.empty ?? ""
  if (dialog.kind === "remarks" && dialog.value.length > 1000) return t.rules["remarks-length"]
  const login = loginRefusal(dialog, t)
  if (login !== undefined) return login
  if (
    dialog.kind === "reclaim" &&
    dialog.value !== "" &&
    (!validIsoDate(dialog.value) || new Date(`${dialog.value}T00:00:00`) <= new Date())
  ) {
    return t.rules["reclaim-date-future"]
  }
  return undefined
}

/** A dialog that chooses one of its options, with what the choice means. */
const choice = (dialog: ActionDialog, label: string, note: string, change: (event: Event) => void) =>
  html`<label for="dialog-input">${label}</label>
    <select id="dialog-input" .value=${dialog.value} @change=${change}>
      ${(dialog.options ?? []).map(
        (option) =>
          html`<option value=${option.value} ?selected=${option.value === dialog.value}>${option.label}</option>`,
      )}
    </select>
    <p class="muted">${note}</p>`

const input = (dialog: ActionDialog, t: Messages, on: DialogHandlers, refusal: string | undefined) => {
  const change = (event: Event) => on.change((event.target as HTMLInputElement).value)
  const common = { invalid: refusal !== undefined }
  switch (dialog.kind) {
    case "name":
      return html`<label for="dialog-input">${t.detail.newName}</label>
        <input id="dialog-input" type="text" .value=${dialog.value} aria-invalid=${common.invalid}
          aria-describedby="dialog-error" @input=${change} />`
    case "clone":
      return html`<label for="dialog-input">${t.detail.cloneName}</label>
        <input id="dialog-input" type="text" .value=${dialog.value} aria-invalid=${common.invalid}
          aria-describedby="dialog-error" @input=${change} />
        <label for="dialog-secret">${t.detail.clonePassword}</label>
        <input id="dialog-secret" type="password" autocomplete="new-password" .value=${dialog.secret ?? ""}
          aria-describedby="dialog-error" @input=${(event: Event) => on.changeSecret((event.target as HTMLInputElement).value)} />
        <p class="muted">${t.detail.cloneNote}</p>`
    case "remarks":
      return html`<label for="dialog-input">${t.detail.newRemarks}</label>
        <textarea id="dialog-input" rows="4" .value=${dialog.value} aria-invalid=${common.invalid}
          aria-describedby="dialog-error" @input=${change}></textarea>`
    case "new-disk":
      return html`<label for="dialog-input">${t.tabs.backup.newDiskName}</label>
        <input id="dialog-input" type="text" maxlength="64" .value=${dialog.value} @input=${change} />`
    case "flavor":
      return choice(dialog, t.detail.newFlavor, t.detail.resizeNote, change)
    case "image":
      return choice(dialog, t.detail.newImage, t.detail.reinstallNote, change)
    case "owner":
      return choice(dialog, t.detail.newOwner, t.detail.ownerNote, change)
    case "image-name":
      return html`<label for="dialog-input">${t.detail.imageName}</label>
        <input id="dialog-input" type="text" maxlength="64" .value=${dialog.value} aria-invalid=${common.invalid}
          aria-describedby="dialog-error" @input=${change} />`
    case "ip":
      return html`<label for="dialog-input">${t.tabs.nicOps.newIp}</label>
        <input id="dialog-input" type="text" inputmode="decimal" autocomplete="off" .value=${dialog.value}
          @input=${change} />`
    case "host":
      return choice(dialog, t.detail.migrateHost, t.detail.migrateNote, change)
    case "device":
      return choice(dialog, dialog.ask?.label ?? "", dialog.ask?.note ?? "", change)
    case "stop":
      // B6: a single stop may also detach the VM's devices once it is off
      return html`<p class="muted" data-holds>${dialog.ask?.note ?? ""}</p>
        <label class="check"><input id="dialog-input" type="checkbox" data-detach-devices
          .checked=${dialog.value === "detach"}
          @change=${(event: Event) => on.change((event.target as HTMLInputElement).checked ? "detach" : "")} />
          ${t.devices.detachOnStop}</label>`
    case "key-pair":
    case "login-password":
    case "keys":
    case "groups":
      return loginInput(dialog, t, on.change)
    case "sockets":
      return html`<label for="dialog-input">${t.detail.newSockets}</label>
        <input id="dialog-input" type="number" min="1" max="256" step="1" .value=${dialog.value} @input=${change} />`
    case "reclaim":
      return html`<label for="dialog-input">${t.detail.newReclaim}</label>
        <hx-date-field id="dialog-input" label=${t.detail.newReclaim} .value=${dialog.value} ?invalid=${common.invalid}
          aria-describedby="dialog-error" @input=${change}></hx-date-field>`
    default:
      return nothing
  }
}

export const renderActionDialog = (
  dialog: ActionDialog | undefined,
  t: Messages,
  on: DialogHandlers,
): TemplateResult => {
  if (dialog === undefined) return html`<dialog part="dialog"></dialog>`
  const label = actionLabel(t, dialog.action)
  if (dialog.kind === "password") {
    return html`<dialog part="dialog" aria-labelledby="dialog-title" @close=${on.close}>
      <h2 id="dialog-title">${t.detail.password}</h2>
      ${
        dialog.value === ""
          ? html`<p>${t.detail.noPassword}</p>`
          : html`<p><code class="password" data-password>${dialog.value}</code></p><p class="muted">${t.detail.passwordNote}</p>`
      }
      <div class="dialog-buttons"><button type="button" class="primary" @click=${on.close}>${t.common.close}</button></div>
    </dialog>`
  }
  const refusal = inputRefusal(dialog, t)
  const danger = dialog.kind === "confirm" || dialog.kind === "stop"
  return html`<dialog part="dialog" aria-labelledby="dialog-title" @close=${on.close}>
    <form method="dialog" @submit=${(event: Event) => {
      event.preventDefault()
      if (refusal === undefined) on.confirm()
    }}>
      <h2 id="dialog-title">${dialog.ask?.title ?? (danger ? t.detail.confirmAction(label, dialog.name) : label)}</h2>
      ${input(dialog, t, on, refusal)}
      <p id="dialog-error" class="error" aria-live="polite">${refusal ?? ""}</p>
      <div class="dialog-buttons">
        <button type="button" @click=${on.close}>${t.common.cancel}</button>
        <button type="submit" class=${danger ? "primary danger" : "primary"} data-confirm ?disabled=${refusal !== undefined}>
          ${dialog.ask?.button ?? (danger ? label : t.detail.save)}</button>
      </div>
    </form>
  </dialog>`
}

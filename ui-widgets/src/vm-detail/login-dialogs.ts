import { html } from "lit"
import { isValidPassword } from "../../../core/rules/input-checks.ts"
import type { ApiClient } from "../api/client.ts"
import type { Task, VmDetail } from "../api/types.ts"
import type { Messages } from "../i18n/index.ts"
import type { ActionDialog } from "./dialog.ts"

/** The dialog kinds of R13 (login method), X5 (the VM's key pairs) and R10 (its affinity groups). */
export type LoginDialogKind = "key-pair" | "login-password" | "keys" | "groups"

interface KeyPairItem {
  readonly id: string
  readonly name: string
  readonly fingerprint: string
}

interface Group {
  readonly id: string
  readonly name: string
  readonly policy: string
}

const vmPath = (detail: VmDetail) => `/vms/${encodeURIComponent(detail.vm.id)}`

/**
 * R13, X5: the dialog an action opens, read when it opens. Login method from password: the caller's key pairs to
 * choose from (the API refuses one that is not the VM owner's: key-pair-owner); from SSH key: a new password. SSH
 * keys: the caller's key pairs as checkboxes, the VM's own checked (`value` holds the chosen ids, comma-separated).
 */
export const loginDialog = async (client: ApiClient, detail: VmDetail, action: string): Promise<ActionDialog> => {
  const name = detail.vm.displayName
  if (action === "affinity") {
    // R10: the VM's department's groups (an admin may look at another department's VM), and its membership read
    // afresh: the shown detail may not yet have caught up with a change just confirmed.
    const query = { departmentId: detail.vm.departmentId }
    const [groups, current] = await Promise.all([
      client.get<{ items: ReadonlyArray<Group> }>("/affinity-groups", query),
      client.get<VmDetail>(vmPath(detail)),
    ])
    const options = groups.items.map((g) => ({ value: g.id, label: `${g.name} · ${g.policy}` }))
    return { action, kind: "groups", name, value: current.vm.affinityGroupIds.join(","), options }
  }
  if (action === "login-method" && detail.vm.loginMethod === "ssh-key") {
    return { action, kind: "login-password", name, value: "" }
  }
  const mine = (await client.get<{ items: ReadonlyArray<KeyPairItem> }>("/key-pairs")).items
  const options = mine.map((k) => ({ value: k.id, label: `${k.name} · ${k.fingerprint}` }))
  if (action === "login-method") return { action, kind: "key-pair", name, value: mine[0]?.id ?? "", options }
  const held = (await client.get<{ items: ReadonlyArray<KeyPairItem> }>(`${vmPath(detail)}/ssh-keys`)).items
  const value = held.map((k) => k.id).filter((id) => mine.some((k) => k.id === id))
  return { action, kind: "keys", name, value: value.join(","), options }
}

/** What the typed choice breaks, mirrored from the core's rules (password-format, key-pair-required). */
export const loginRefusal = (dialog: ActionDialog, t: Messages): string | undefined => {
  if (dialog.kind === "login-password" && !isValidPassword(dialog.value)) return t.rules["password-format"]
  if ((dialog.kind === "key-pair" || dialog.kind === "keys") && dialog.value === "") {
    return (dialog.options ?? []).length === 0 ? t.detail.noKeyPairs : t.rules["key-pair-required"]
  }
  return undefined
}

const chosen = (value: string) => value.split(",").filter((id) => id !== "")

/** The dialog's inputs for the three kinds. */
export const loginInput = (dialog: ActionDialog, t: Messages, change: (value: string) => void) => {
  if (dialog.kind === "login-password") {
    return html`<label for="dialog-input">${t.detail.loginNewPassword}</label>
      <input id="dialog-input" type="password" autocomplete="new-password" .value=${dialog.value}
        aria-describedby="dialog-error" @input=${(event: Event) => change((event.target as HTMLInputElement).value)} />
      <p class="muted">${t.detail.loginNote}</p>`
  }
  if (dialog.kind === "key-pair") {
    return html`<label for="dialog-input">${t.detail.loginKeyPair}</label>
      <select id="dialog-input" .value=${dialog.value}
        @change=${(event: Event) => change((event.target as HTMLSelectElement).value)}>
        ${(dialog.options ?? []).map(
          (option) =>
            html`<option value=${option.value} ?selected=${option.value === dialog.value}>${option.label}</option>`,
        )}
      </select>
      <p class="muted">${t.detail.loginNote}</p>`
  }
  const ids = chosen(dialog.value)
  const toggle = (id: string, on: boolean) =>
    change([...ids.filter((other) => other !== id), ...(on ? [id] : [])].join(","))
  const groups = dialog.kind === "groups"
  return html`<fieldset>
      <legend>${groups ? t.detail.affinityChoice : t.detail.sshKeysChoice}</legend>
      ${(dialog.options ?? []).map(
        (option) =>
          html`<label><input type="checkbox" data-key=${option.value} .checked=${ids.includes(option.value)}
            @change=${(event: Event) => toggle(option.value, (event.target as HTMLInputElement).checked)} />
            ${option.label}</label><br />`,
      )}
    </fieldset>
    <p class="muted">${groups ? t.detail.affinityNote : t.detail.sshKeysNote}</p>`
}

type Reply = { readonly task: Task }

/** R13: to SSH key with the chosen key pair, or to password with the typed one. */
export const changeLoginMethod = async (client: ApiClient, detail: VmDetail, input: string) => {
  const body =
    detail.vm.loginMethod === "password"
      ? { method: "ssh-key", keyPairId: input }
      : { method: "password", password: input }
  return { tasks: [(await client.post<Reply>(`${vmPath(detail)}/login-method`, body)).task] }
}

/** R10: join and leave are setting the list (stopped only). */
export const setAffinityGroups = async (client: ApiClient, detail: VmDetail, input: string) => ({
  tasks: [(await client.put<Reply>(`${vmPath(detail)}/affinity-groups`, { groupIds: chosen(input) })).task],
})

/** X5: the chosen key pairs replace the VM's. */
export const setVmKeys = async (client: ApiClient, detail: VmDetail, input: string) => ({
  tasks: [(await client.post<Reply>(`${vmPath(detail)}/ssh-keys`, { keyPairIds: chosen(input) })).task],
})

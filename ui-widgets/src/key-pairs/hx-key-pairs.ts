import { css, html, nothing, type PropertyDeclarations } from "lit"
import { formatDateTime } from "../i18n/index.ts"
import { confirmDeleteCell } from "../internal/confirm-delete.ts"
import { saveFile } from "../internal/download.ts"
import { HxEditableList } from "../internal/hx-editable-list.ts"
import { tableStyles, themeStyles } from "../internal/styles.ts"
import { type KeyPairMessages, keyPairMessages } from "./messages.ts"

/** A key pair as GET /key-pairs lists it (never its private key). */
export interface KeyPair {
  readonly id: string
  readonly name: string
  readonly publicKey: string
  readonly fingerprint: string
  readonly createdAt: string
}

interface Created {
  readonly keyPair: KeyPair
  readonly privateKey: string | null
}

const styles = css`
  form {
    display: grid;
    gap: calc(var(--_space) / 2);
    max-width: 40rem;
    margin-bottom: var(--_space);
  }
  textarea,
  pre {
    font-family: var(--hx-mono, ui-monospace, monospace);
    font-size: 0.85em;
  }
  pre {
    white-space: pre-wrap;
    word-break: break-all;
    max-height: 12rem;
    overflow: auto;
    padding: calc(var(--_space) / 2);
    background: var(--_subtle);
  }
  .secret {
    border: 1px solid var(--_danger);
    padding: var(--_space);
    margin-bottom: var(--_space);
  }
  code {
    word-break: break-all;
  }
`

/**
 * <hx-key-pairs>: the signed-in user's SSH key pairs (R13, X5), for an end user to embed: list them, make a new pair
 * (its private key is shown once, with a download button, and never again: the platform does not keep it), import a
 * public key, delete one. A VM's keys are chosen in <hx-vm-detail>.
 */
export class HxKeyPairs extends HxEditableList {
  static override styles = [themeStyles, tableStyles, styles]
  static override properties: PropertyDeclarations = {
    keyPairs: { state: true },
    name: { state: true },
    publicKey: { state: true },
    created: { state: true },
  }

  declare protected keyPairs: ReadonlyArray<KeyPair>
  declare protected name: string
  declare protected publicKey: string
  /** A pair made here, with its private key, until the user closes it. */
  declare protected created: Created | undefined

  constructor() {
    super()
    this.keyPairs = []
    this.name = ""
    this.publicKey = ""
    this.created = undefined
  }

  /** The key pairs as last loaded. */
  get items(): ReadonlyArray<KeyPair> {
    return this.keyPairs
  }

  private get m(): KeyPairMessages {
    return keyPairMessages(this.locale)
  }

  protected override async reload(): Promise<void> {
    try {
      this.keyPairs = (await this.client.get<{ items: ReadonlyArray<KeyPair> }>("/key-pairs")).items
      this.error = ""
    } catch (error) {
      this.error = this.report(error).message
    }
  }

  private create(event: Event) {
    event.preventDefault()
    const name = this.name.trim()
    const publicKey = this.publicKey.trim()
    return this.change(async () => {
      const made = await this.client.post<Created>("/key-pairs", publicKey === "" ? { name } : { name, publicKey })
      this.created = made.privateKey === null ? undefined : made
      this.name = ""
      this.publicKey = ""
    })
  }

  private deleteKeyPair(keyPair: KeyPair) {
    return this.change(async () => {
      await this.client.delete(`/key-pairs/${encodeURIComponent(keyPair.id)}`)
      this.deleting = ""
    })
  }

  private secret(created: Created, m: KeyPairMessages) {
    const download = () =>
      saveFile(
        this.renderRoot,
        new Blob([created.privateKey ?? ""], { type: "application/x-pem-file" }),
        `${created.keyPair.name}.pem`,
      )
    return html`<section class="secret" part="private-key" role="alert">
      <h3>${m.privateKeyTitle(created.keyPair.name)}</h3>
      <p>${m.privateKeyNote}</p>
      <pre data-private-key>${created.privateKey}</pre>
      <button type="button" part="button" data-download @click=${download}>${m.download}</button>
      <button type="button" part="button" data-done @click=${() => (this.created = undefined)}>${m.done}</button>
    </section>`
  }

  private row(keyPair: KeyPair, m: KeyPairMessages) {
    return html`<tr data-key-pair=${keyPair.id}>
      <td part="name">${keyPair.name}</td>
      <td part="fingerprint"><code>${keyPair.fingerprint}</code></td>
      <td>${formatDateTime(keyPair.createdAt, this.locale)}</td>
      <td>
        ${confirmDeleteCell({
          asking: this.deleting === keyPair.id,
          busy: this.busy,
          question: m.confirmDelete(keyPair.name),
          deleteLabel: m.delete,
          cancelLabel: m.cancel,
          ask: () => (this.deleting = keyPair.id),
          confirm: () => void this.deleteKeyPair(keyPair),
          cancel: () => (this.deleting = ""),
        })}
      </td>
    </tr>`
  }

  protected override render() {
    if (!this.ready) return html`<p class="banner warning" part="error">${this.t.common.noToken}</p>`
    const m = this.m
    const name = this.name.trim()
    const nameOk = name.length >= 1 && name.length <= 64
    return html`<section part="base" aria-label=${m.label}>
      ${this.created ? this.secret(this.created, m) : nothing}
      <form part="form" @submit=${(event: Event) => void this.create(event)}>
        <label for="key-name">${m.newName}</label>
        <input id="key-name" type="text" maxlength="64" .value=${this.name}
          @input=${(event: Event) => (this.name = (event.target as HTMLInputElement).value)} />
        <label for="key-public">${m.publicKey}</label>
        <textarea id="key-public" rows="3" .value=${this.publicKey}
          @input=${(event: Event) => (this.publicKey = (event.target as HTMLTextAreaElement).value)}></textarea>
        <p class="muted">${m.publicKeyNote}</p>
        ${this.name !== "" && !nameOk ? html`<p class="banner error" data-name-rule>${m.nameRule}</p>` : nothing}
        <div>
          <button type="submit" part="button" data-create ?disabled=${this.busy || !nameOk}>
            ${this.publicKey.trim() === "" ? m.create : m.importKey}
          </button>
        </div>
      </form>
      ${this.error ? html`<p class="banner error" role="alert" part="error">${this.error}</p>` : nothing}
      <table part="table">
        <thead>
          <tr>
            <th scope="col">${m.name}</th>
            <th scope="col">${m.fingerprint}</th>
            <th scope="col">${m.created}</th>
            <th scope="col"></th>
          </tr>
        </thead>
        <tbody>
          ${this.keyPairs.map((keyPair) => this.row(keyPair, m))}
        </tbody>
      </table>
      ${this.keyPairs.length === 0 && this.error === "" ? html`<p class="muted" data-empty>${m.empty}</p>` : nothing}
    </section>`
  }
}

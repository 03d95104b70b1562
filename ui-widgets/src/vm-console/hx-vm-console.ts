import type RFB from "@novnc/novnc"
import { css, html, nothing, type PropertyDeclarations, type PropertyValues } from "lit"
import type { ConsoleTicket } from "../api/types.ts"
import { type HxConsoleStatus, HxConsoleStatusEvent } from "../events.ts"
import { HxElement } from "../internal/hx-element.ts"
import { themeStyles } from "../internal/styles.ts"
import { typeText } from "./keystrokes.ts"

/** noVNC is large (about 190 kB): it loads the first time a console connects, as its own chunk. */
const loadRfb = async (): Promise<typeof RFB> => (await import("@novnc/novnc")).default

const consoleStyles = css`
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--_space);
    margin-bottom: var(--_space);
  }
  .status {
    margin-inline-start: auto;
    color: var(--_muted);
  }
  .status[data-status="connected"] {
    color: var(--_success);
  }
  .status[data-status="failed"] {
    color: var(--_danger);
  }
  .screen {
    position: relative;
    width: 100%;
    height: var(--hx-console-height, 480px);
    background: var(--hx-console-background, #111);
    border-radius: var(--_radius);
    overflow: hidden;
  }
  .screen:fullscreen {
    height: 100%;
    border-radius: 0;
  }
  textarea {
    width: 100%;
  }
`

/**
 * <hx-vm-console vm-id=…>: the VM's screen in the browser (B5) through noVNC 1.7, opened with a one-time console
 * ticket (POST /vms/{id}/console). Full screen, Ctrl+Alt+Del, paste as keystrokes, reconnect (with a new ticket).
 */
export class HxVmConsole extends HxElement {
  static override styles = [themeStyles, consoleStyles]
  static override properties: PropertyDeclarations = {
    vmId: { attribute: "vm-id", reflect: true },
    viewOnly: { attribute: "view-only", type: Boolean },
    manual: { type: Boolean },
    status: { state: true },
    desktopName: { state: true },
    reason: { state: true },
    pasteText: { state: true },
  }

  declare vmId: string
  /** Show the screen without sending keys or pointer events. */
  declare viewOnly: boolean
  /** Do not connect by itself when vm-id and token are set; wait for connect(). */
  declare manual: boolean
  declare protected status: HxConsoleStatus
  declare protected desktopName: string
  declare protected reason: string
  declare protected pasteText: string

  protected override readonly followsEvents = false
  private rfb: RFB | undefined
  private attempt = 0

  constructor() {
    super()
    this.vmId = ""
    this.viewOnly = false
    this.manual = false
    this.status = "idle"
    this.desktopName = ""
    this.reason = ""
    this.pasteText = ""
  }

  /** The connection's state: idle, ticket, connecting, connected, disconnected or failed. */
  get connectionStatus(): HxConsoleStatus {
    return this.status
  }

  /** Ask for a fresh ticket and connect (again). */
  async connect(): Promise<void> {
    if (!this.ready || this.vmId === "") return
    const attempt = ++this.attempt
    this.closeRfb()
    this.reason = ""
    this.setStatus("ticket")
    try {
      const ticket = await this.client.post<ConsoleTicket>(`/vms/${encodeURIComponent(this.vmId)}/console`, {
        kind: "vnc",
      })
      if (ticket.task) this.taskStarted(ticket.task)
      // The path keeps the api-base the portal chose (a proxy in front of the agent); the URL is the agent's view.
      const url = this.client.socketUrl(ticket.path ?? ticket.url)
      this.setStatus("connecting")
      const Rfb = await loadRfb()
      const screen = this.renderRoot.querySelector<HTMLElement>(".screen")
      if (attempt !== this.attempt || screen === null) return
      const rfb = new Rfb(screen, url, { shared: true })
      rfb.scaleViewport = true
      rfb.viewOnly = this.viewOnly
      rfb.background = "transparent"
      rfb.addEventListener("connect", () => this.setStatus("connected"))
      rfb.addEventListener("desktopname", (event) => {
        this.desktopName = String((event as CustomEvent<{ name: string }>).detail.name)
      })
      rfb.addEventListener("securityfailure", (event) => {
        this.reason = String((event as CustomEvent<{ reason?: string }>).detail.reason ?? "")
      })
      rfb.addEventListener("disconnect", (event) => {
        if (this.rfb !== rfb) return
        this.rfb = undefined
        const clean = (event as CustomEvent<{ clean: boolean }>).detail.clean
        this.setStatus(clean && this.reason === "" ? "disconnected" : "failed")
      })
      this.rfb = rfb
    } catch (error) {
      if (attempt !== this.attempt) return
      this.reason = this.report(error).message
      this.setStatus("failed")
    }
  }

  disconnect(): void {
    this.attempt++
    this.closeRfb()
    this.setStatus("disconnected")
  }

  sendCtrlAltDel(): void {
    this.rfb?.sendCtrlAltDel()
    this.rfb?.focus()
  }

  /** Type text into the VM as key presses; returns how many characters were sent. */
  typeText(text: string): number {
    if (this.rfb === undefined || this.viewOnly) return 0
    const typed = typeText(this.rfb, text)
    this.rfb.focus()
    return typed
  }

  /** The current screen as a PNG data URL (noVNC's canvas), or undefined when not connected. */
  screenshot(): string | undefined {
    return this.rfb?.toDataURL()
  }

  protected override willUpdate(changed: PropertyValues): void {
    super.willUpdate(changed)
    if (changed.has("viewOnly") && this.rfb) this.rfb.viewOnly = this.viewOnly
  }

  protected override updated(changed: PropertyValues): void {
    if ((changed.has("vmId") || changed.has("token") || changed.has("apiBase")) && !this.manual) void this.connect()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.attempt++
    this.closeRfb()
  }

  protected override render() {
    const t = this.t.console
    if (!this.ready) return html`<p class="banner warning" part="error">${this.t.common.noToken}</p>`
    const connected = this.status === "connected"
    return html`<section part="base" aria-label=${t.label}>
      <div class="toolbar" part="toolbar" role="group" aria-label=${t.label}>
        ${
          connected
            ? html`<button type="button" part="button" data-disconnect @click=${() => this.disconnect()}>${t.disconnect}</button>`
            : html`<button type="button" part="button" class="primary" data-connect
                ?disabled=${this.status === "ticket" || this.status === "connecting" || this.vmId === ""}
                @click=${() => this.connect()}>${this.status === "idle" ? t.connect : t.reconnect}</button>`
        }
        <button type="button" part="button" data-ctrl-alt-del ?disabled=${!connected || this.viewOnly}
          @click=${() => this.sendCtrlAltDel()}>${t.ctrlAltDel}</button>
        <button type="button" part="button" data-paste ?disabled=${!connected || this.viewOnly}
          @click=${() => this.renderRoot.querySelector("dialog")?.showModal()}>${t.paste}</button>
        <button type="button" part="button" data-fullscreen ?disabled=${!connected}
          @click=${() => this.renderRoot.querySelector(".screen")?.requestFullscreen()}>${t.fullscreen}</button>
        <span class="status" part="status" role="status" data-status=${this.status}>${this.statusText()}</span>
      </div>
      <div class="screen" part="screen" role="application" aria-label=${t.screen}></div>
      <dialog part="dialog" aria-labelledby="paste-title">
        <form method="dialog" @submit=${this.paste}>
          <h2 id="paste-title">${t.paste}</h2>
          <label for="paste-text">${t.pasteLabel}</label>
          <textarea id="paste-text" rows="5" .value=${this.pasteText}
            @input=${(e: Event) => {
              this.pasteText = (e.target as HTMLTextAreaElement).value
            }}></textarea>
          <div class="dialog-buttons">
            <button type="button" @click=${() => this.renderRoot.querySelector("dialog")?.close()}>${this.t.common.cancel}</button>
            <button type="submit" class="primary" data-type>${t.type}</button>
          </div>
        </form>
      </dialog>
      ${this.reason && this.status === "failed" ? html`<p class="banner error" role="alert" part="error">${this.reason}</p>` : nothing}
    </section>`
  }

  private readonly paste = (event: Event) => {
    event.preventDefault()
    this.renderRoot.querySelector("dialog")?.close()
    this.typeText(this.pasteText)
    this.pasteText = ""
  }

  private statusText(): string {
    const t = this.t.console
    switch (this.status) {
      case "idle":
        return t.idle
      case "ticket":
        return t.ticket
      case "connecting":
        return t.connecting
      case "connected":
        return t.connected(this.desktopName)
      case "disconnected":
        return t.disconnected
      case "failed":
        return t.failed(this.reason || t.disconnected)
    }
  }

  private setStatus(status: HxConsoleStatus) {
    if (this.status === status) return
    this.status = status
    this.dispatchEvent(new HxConsoleStatusEvent(status))
  }

  private closeRfb() {
    const rfb = this.rfb
    this.rfb = undefined
    rfb?.disconnect()
  }
}

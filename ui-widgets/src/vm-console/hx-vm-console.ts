import type RFB from "@novnc/novnc"
import xtermCss from "@xterm/xterm/css/xterm.css"
import { css, html, nothing, type PropertyDeclarations, type PropertyValues, unsafeCSS } from "lit"
import type { ConsoleTicket, VmDetail } from "../api/types.ts"
import { type HxConsoleStatus, HxConsoleStatusEvent } from "../events.ts"
import { HxElement } from "../internal/hx-element.ts"
import { themeStyles } from "../internal/styles.ts"
import { typeText } from "./keystrokes.ts"
import { openSerial, type SerialSession } from "./serial-session.ts"

/** The consoles a VM may offer: its screen (VNC) or its first serial port. */
export type ConsoleKind = "vnc" | "serial"
const consoleKinds: ReadonlyArray<ConsoleKind> = ["vnc", "serial"]

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
  .kinds {
    display: inline-flex;
  }
  .kinds button[aria-pressed="true"] {
    border-color: var(--_accent);
    color: var(--_accent);
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
  .screen .xterm {
    height: 100%;
    padding: 4px;
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
 * <hx-vm-console vm-id=…>: the VM's console in the browser (B5), opened with a one-time console ticket
 * (POST /vms/{id}/console): its screen through noVNC 1.7, or its serial port through xterm.js. `kind` picks one;
 * without it the element opens the screen when the VM's host offers it, else the serial port, and the user can
 * switch. Full screen, Ctrl+Alt+Del (screen), paste as keystrokes, reconnect (with a new ticket).
 */
export class HxVmConsole extends HxElement {
  static override styles = [themeStyles, unsafeCSS(xtermCss), consoleStyles]
  static override properties: PropertyDeclarations = {
    vmId: { attribute: "vm-id", reflect: true },
    kind: { reflect: true },
    active: { state: true },
    offered: { state: true },
    viewOnly: { attribute: "view-only", type: Boolean },
    manual: { type: Boolean },
    status: { state: true },
    desktopName: { state: true },
    reason: { state: true },
    pasteText: { state: true },
  }

  declare vmId: string
  /** vnc, serial, or "" (default): the screen when offered, else the serial port. */
  declare kind: ConsoleKind | ""
  /** The console connected or being connected. */
  declare protected active: ConsoleKind | undefined
  /** The consoles the VM's host offers, from the VM's allowedActions (undefined until asked). */
  declare protected offered: ReadonlyArray<ConsoleKind> | undefined
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
  private serial: SerialSession | undefined
  private attempt = 0

  constructor() {
    super()
    this.vmId = ""
    this.kind = ""
    this.active = undefined
    this.offered = undefined
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
    this.closeSession()
    this.reason = ""
    this.setStatus("ticket")
    try {
      const kind = await this.chooseKind()
      if (attempt !== this.attempt) return
      this.active = kind
      const ticket = await this.client.post<ConsoleTicket>(`/vms/${encodeURIComponent(this.vmId)}/console`, { kind })
      if (ticket.task) this.taskStarted(ticket.task)
      // The path keeps the api-base the portal chose (a proxy in front of the agent); the URL is the agent's view.
      const url = this.client.socketUrl(ticket.path ?? ticket.url)
      this.setStatus("connecting")
      await (kind === "serial" ? this.openSerial(attempt, url) : this.openScreen(attempt, url))
    } catch (error) {
      if (attempt !== this.attempt) return
      this.reason = this.report(error).message
      this.setStatus("failed")
    }
  }

  /** The kind asked for, else the screen when the VM's host offers it, else its serial port. */
  private async chooseKind(): Promise<ConsoleKind> {
    const detail = await this.client.get<VmDetail>(`/vms/${encodeURIComponent(this.vmId)}`)
    this.offered = consoleKinds.filter((kind) =>
      detail.allowedActions.some((entry) => entry.action === `console-${kind}` && entry.allowed),
    )
    if (this.kind !== "") return this.kind
    return this.offered.includes("vnc") ? "vnc" : (this.offered[0] ?? "vnc")
  }

  private async openScreen(attempt: number, url: string): Promise<void> {
    const Rfb = await loadRfb()
    const screen = this.renderRoot.querySelector<HTMLElement>(".screen")
    if (attempt !== this.attempt || screen === null) return
    screen.replaceChildren()
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
  }

  private async openSerial(attempt: number, url: string): Promise<void> {
    const screen = this.renderRoot.querySelector<HTMLElement>(".screen")
    if (screen === null) return
    const session = await openSerial(screen, url, {
      viewOnly: () => this.viewOnly,
      onOpen: () => {
        if (this.serial !== session) return
        this.desktopName = this.t.console.serial
        this.setStatus("connected")
      },
      onClose: (clean) => {
        if (this.serial !== session) return
        this.serial = undefined
        this.setStatus(clean ? "disconnected" : "failed")
      },
    })
    if (attempt !== this.attempt) return session.close()
    this.serial = session
  }

  disconnect(): void {
    this.attempt++
    this.closeSession()
    this.setStatus("disconnected")
  }

  /** Ctrl+Alt+Del on the screen (a serial port has no such keys). */
  sendCtrlAltDel(): void {
    this.rfb?.sendCtrlAltDel()
    this.rfb?.focus()
  }

  /** Type text into the VM as key presses (or bytes on its serial port); returns how many characters were sent. */
  typeText(text: string): number {
    if (this.serial !== undefined) return this.serial.send(text)
    if (this.rfb === undefined || this.viewOnly) return 0
    const typed = typeText(this.rfb, text)
    this.rfb.focus()
    return typed
  }

  /** The current screen as a PNG data URL (noVNC's canvas), or undefined when the screen is not connected. */
  screenshot(): string | undefined {
    return this.rfb?.toDataURL()
  }

  /** What the serial console shows (its scroll-back too), or undefined when the serial port is not connected. */
  serialText(): string | undefined {
    return this.serial?.text()
  }

  protected override willUpdate(changed: PropertyValues): void {
    super.willUpdate(changed)
    if (changed.has("viewOnly") && this.rfb) this.rfb.viewOnly = this.viewOnly
  }

  protected override updated(changed: PropertyValues): void {
    const target = changed.has("vmId") || changed.has("token") || changed.has("apiBase") || changed.has("kind")
    if (target && !this.manual) void this.connect()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.attempt++
    this.closeSession()
  }

  protected override render() {
    const t = this.t.console
    if (!this.ready) return this.signedOut()
    const connected = this.status === "connected"
    const screen = connected && this.active === "vnc"
    return html`<section part="base" aria-label=${t.label}>
      <div class="toolbar" part="toolbar" role="group" aria-label=${t.label}>
        <span class="kinds" part="kinds" role="group" aria-label=${t.kind}>
          ${consoleKinds.map((kind) => {
            const refused = this.offered !== undefined && !this.offered.includes(kind)
            return html`<button type="button" part="button" data-kind=${kind}
              aria-pressed=${this.active === kind ? "true" : "false"} ?disabled=${refused}
              title=${refused ? t.notOffered : t[kind]} @click=${() => this.switchTo(kind)}>${t[kind]}</button>`
          })}
        </span>
        ${
          connected
            ? html`<button type="button" part="button" data-disconnect @click=${() => this.disconnect()}>${t.disconnect}</button>`
            : html`<button type="button" part="button" class="primary" data-connect
                ?disabled=${this.status === "ticket" || this.status === "connecting" || this.vmId === ""}
                @click=${() => this.connect()}>${this.status === "idle" ? t.connect : t.reconnect}</button>`
        }
        <button type="button" part="button" data-ctrl-alt-del ?disabled=${!screen || this.viewOnly}
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

  /** The user picked a console: connect to it (again, with a new ticket, when it is the one shown). */
  private switchTo(kind: ConsoleKind) {
    const same = this.kind === kind
    this.kind = kind
    // A new kind connects by itself (updated), unless the portal connects this element itself (manual).
    if (same || this.manual) void this.connect()
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

  private closeSession() {
    const rfb = this.rfb
    const serial = this.serial
    this.rfb = undefined
    this.serial = undefined
    rfb?.disconnect()
    serial?.close()
  }
}

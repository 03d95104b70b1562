/** xterm.js (about 300 kB) loads the first time a serial console connects, as its own chunk, like noVNC. */
const loadTerminal = async () => (await import("@xterm/xterm")).Terminal

/** A serial console shown in a terminal emulator: its bytes both ways over the console ticket's WebSocket. */
export interface SerialSession {
  /** Types text into the VM's serial port; returns how many characters were sent (0 while closed or view-only). */
  readonly send: (text: string) => number
  /** What the terminal shows, scroll-back included, one line per row. */
  readonly text: () => string
  readonly focus: () => void
  readonly close: () => void
}

export interface SerialOptions {
  readonly viewOnly: () => boolean
  readonly onOpen: () => void
  readonly onClose: (clean: boolean) => void
}

/**
 * B5: the VM's first serial port (the console a server OS and the tiny guest write to) in xterm.js, inside `screen`.
 * Keys typed in the terminal go to the guest as they are (its tty echoes them), unless the element is view-only.
 */
export const openSerial = async (screen: HTMLElement, url: string, options: SerialOptions): Promise<SerialSession> => {
  const Terminal = await loadTerminal()
  const terminal = new Terminal({ cursorBlink: true, fontSize: 14, scrollback: 2000, theme: { background: "#111111" } })
  screen.replaceChildren()
  terminal.open(screen)
  const socket = new WebSocket(url)
  socket.binaryType = "arraybuffer"
  const encoder = new TextEncoder()
  socket.addEventListener("open", () => {
    options.onOpen()
    terminal.focus()
  })
  socket.addEventListener("message", (event) =>
    terminal.write(typeof event.data === "string" ? event.data : new Uint8Array(event.data as ArrayBuffer)),
  )
  socket.addEventListener("close", (event) => options.onClose(event.wasClean))
  const send = (text: string) => {
    if (options.viewOnly() || socket.readyState !== WebSocket.OPEN) return 0
    socket.send(encoder.encode(text))
    return text.length
  }
  const typing = terminal.onData((data) => void send(data))
  return {
    send,
    text: () => {
      const buffer = terminal.buffer.active
      const lines: Array<string> = []
      for (let row = 0; row < buffer.length; row++) lines.push(buffer.getLine(row)?.translateToString(true) ?? "")
      return lines.join("\n").trimEnd()
    },
    focus: () => terminal.focus(),
    close: () => {
      typing.dispose()
      socket.close()
      terminal.dispose()
    },
  }
}

/**
 * Test-only: use the guest's screen as a VNC user does. Keys go in as RFB key events; what the screen shows is read
 * back from the VGA text memory (the guest's kernel draws its console in VGA text mode: vgacon, no framebuffer).
 */
import { readFile } from "node:fs/promises"
import type { Socket } from "node:net"
import { setTimeout as sleep } from "node:timers/promises"
import { connectWhenReady, type JsonLines } from "./testing.ts"

const shiftKeysym = 0xffe1
const enterKeysym = 0xff0d
/** The US-layout characters typed with Shift (QEMU turns a keysym into the scancode of its key, without Shift). */
const shifted = new Set('~!@#$%^&*()_+{}|:"<>?')

/** An RFB 3.8 client that got past the handshake (security type None) and only sends key events. */
export class VncKeyboard {
  private received = Buffer.alloc(0)
  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk])
    })
  }

  static connect = async (path: string): Promise<VncKeyboard> => {
    const vnc = new VncKeyboard(await connectWhenReady(path))
    const version = (await vnc.read(12)).toString("latin1")
    if (version !== "RFB 003.008\n") throw new Error(`not an RFB 3.8 server: ${JSON.stringify(version)}`)
    vnc.socket.write("RFB 003.008\n")
    const types = [...(await vnc.read((await vnc.read(1))[0] ?? 0))]
    if (!types.includes(1)) throw new Error(`the server wants authentication: security types ${types}`)
    vnc.socket.write(Buffer.from([1]))
    if ((await vnc.read(4)).readUInt32BE(0) !== 0) throw new Error("security handshake failed")
    vnc.socket.write(Buffer.from([1])) // ClientInit: shared
    const init = await vnc.read(24)
    await vnc.read(init.readUInt32BE(20)) // the desktop's name
    return vnc
  }

  private async read(length: number, timeoutMs = 15_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs
    while (this.received.length < length) {
      if (Date.now() > deadline) throw new Error(`the VNC server sent ${this.received.length} of ${length} bytes`)
      await sleep(20)
    }
    const out = this.received.subarray(0, length)
    this.received = this.received.subarray(length)
    return out
  }

  private key(keysym: number, down: boolean) {
    const event = Buffer.alloc(8)
    event[0] = 4 // KeyEvent
    event[1] = down ? 1 : 0
    event.writeUInt32BE(keysym, 4)
    this.socket.write(event)
  }

  /** Types printable ASCII and "\n" (Enter) on a US keyboard, a little apart as a person would. */
  async type(text: string) {
    for (const char of text) {
      const keysym = char === "\n" ? enterKeysym : (char.codePointAt(0) ?? 0)
      if (keysym !== enterKeysym && (keysym < 0x20 || keysym > 0x7e)) throw new Error(`cannot type ${char}`)
      const shift = shifted.has(char)
      if (shift) this.key(shiftKeysym, true)
      this.key(keysym, true)
      this.key(keysym, false)
      if (shift) this.key(shiftKeysym, false)
      await sleep(20)
    }
  }

  close = () => this.socket.destroy()
}

/**
 * The text in the guest's VGA text memory, one 80-column row a line, blank rows dropped: all 32 KiB of it, because
 * vgacon scrolls by moving the screen's start through that memory. Read with QMP `pmemsave` into `file`.
 */
export const screenText = async (qmp: JsonLines, file: string): Promise<string> => {
  await qmp.command("pmemsave", { val: 0xb8000, size: 0x8000, filename: file })
  const memory = await readFile(file)
  const rows: Array<string> = []
  for (let row = 0; row < memory.length; row += 160) {
    let line = ""
    for (let cell = row; cell < row + 160 && cell < memory.length; cell += 2) {
      const code = memory[cell] ?? 0
      line += code >= 0x20 && code <= 0x7e ? String.fromCharCode(code) : " "
    }
    if (line.trim() !== "") rows.push(line.trimEnd())
  }
  return rows.join("\n")
}

/** Resolves with the screen's text once `pattern` shows in it (read every 200 ms); throws with the screen if not. */
export const waitForScreen = async (qmp: JsonLines, file: string, pattern: RegExp, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const screen = await screenText(qmp, file)
    if (pattern.test(screen)) return screen
    if (Date.now() > deadline) throw new Error(`the screen never showed ${pattern}:\n${screen}`)
    await sleep(200)
  }
}

/** What a terminal shows of serial output: its title sequences (`ESC ] … BEL` or `ESC ] … ESC \`) left out. */
export const withoutTitles = (text: string): string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape sequences are made of control characters
  text.replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, "")

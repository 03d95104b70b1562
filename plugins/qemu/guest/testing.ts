/**
 * Test-only helpers to watch a real QEMU: spawn it, read the serial console, and speak the JSON-lines protocols
 * of QMP and the guest agent over node:net. Deliberately tiny; the driver has its own QMP and QGA clients.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { createConnection, type Socket } from "node:net"
import { setTimeout as sleep } from "node:timers/promises"

export interface QemuProcess {
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  stderr: () => string
}

export const startQemu = (args: ReadonlyArray<string>, binary = "qemu-system-x86_64"): QemuProcess => {
  const child = spawn(binary, [...args], { stdio: ["ignore", "pipe", "pipe"] })
  let stderr = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  return { child, exited, stderr: () => stderr }
}

/** Connects to a unix socket QEMU is about to create (it appears some 100 ms after spawn). */
export const connectWhenReady = async (path: string, timeoutMs = 15_000): Promise<Socket> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (existsSync(path)) {
      const socket = await new Promise<Socket | undefined>((resolve) => {
        const candidate = createConnection(path)
        candidate.once("connect", () => resolve(candidate))
        candidate.once("error", () => resolve(undefined))
      })
      if (socket !== undefined) return socket
    }
    if (Date.now() > deadline) throw new Error(`nothing listens on ${path}`)
    await sleep(50)
  }
}

/** Everything a serial console printed since connecting, and a way to wait for a pattern in it. */
export class SerialWatch {
  text = ""
  constructor(readonly socket: Socket) {
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => {
      this.text += chunk
    })
  }
  static connect = async (path: string) => new SerialWatch(await connectWhenReady(path))

  /** Resolves with the first match of `pattern` in the text after offset `from`. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000, from = 0): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs
    const flags = pattern.flags.replace("g", "")
    for (;;) {
      const match = new RegExp(pattern.source, flags).exec(this.text.slice(from))
      if (match !== null) return match
      if (Date.now() > deadline) throw new Error(`serial never showed ${pattern}; tail: ${this.text.slice(-400)}`)
      await sleep(50)
    }
  }
  close = () => this.socket.destroy()
}

/** Waits until a file (a serial logfile, say) contains `pattern`. */
export const waitForFileText = async (path: string, pattern: RegExp, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const text = existsSync(path) ? readFileSync(path, "utf8") : ""
    if (pattern.test(text)) return text
    if (Date.now() > deadline) throw new Error(`${path} never showed ${pattern}; tail: ${text.slice(-400)}`)
    await sleep(100)
  }
}

type Reply = { readonly return?: unknown; readonly error?: { readonly class: string; readonly desc: string } }

/** JSON lines over a socket: replies in order of requests, events kept aside (QMP and QGA alike). */
export class JsonLines {
  readonly events: Array<{ readonly event: string; readonly data?: Record<string, unknown> }> = []
  private readonly pending: Array<(reply: Reply) => void> = []
  private buffer = ""
  constructor(readonly socket: Socket) {
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => {
      this.buffer += chunk
      for (let end = this.buffer.indexOf("\n"); end >= 0; end = this.buffer.indexOf("\n")) {
        const line = this.buffer.slice(0, end).trim()
        this.buffer = this.buffer.slice(end + 1)
        if (line.length > 0) this.receive(JSON.parse(line) as Record<string, unknown>)
      }
    })
  }
  private receive(message: Record<string, unknown>) {
    if (typeof message.event === "string") this.events.push(message as (typeof this.events)[number])
    else if ("return" in message || "error" in message) this.pending.shift()?.(message as Reply)
  }
  static connect = async (path: string) => new JsonLines(await connectWhenReady(path))

  request(execute: string, args?: Record<string, unknown>, timeoutMs = 30_000): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const settle = (reply: Reply) => {
        clearTimeout(timer)
        resolve(reply)
      }
      const timer = setTimeout(() => {
        this.pending.splice(this.pending.indexOf(settle), 1)
        reject(new Error(`${execute}: no reply in ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.push(settle)
      this.socket.write(`${JSON.stringify(args === undefined ? { execute } : { execute, arguments: args })}\n`)
    })
  }
  async command(execute: string, args?: Record<string, unknown>): Promise<unknown> {
    const reply = await this.request(execute, args)
    if (reply.error !== undefined) throw new Error(`${execute}: ${reply.error.class}: ${reply.error.desc}`)
    return reply.return
  }
  async waitForEvent(name: string, timeoutMs = 30_000, match: (data: Record<string, unknown>) => boolean = () => true) {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.events.find((event) => event.event === name && match(event.data ?? {}))
      if (found !== undefined) return found
      if (Date.now() > deadline) throw new Error(`no ${name} event in ${timeoutMs} ms`)
      await sleep(50)
    }
  }
  close = () => this.socket.destroy()
}

/** QMP: greeting, then capabilities negotiation. */
export const connectQmp = async (path: string) => {
  const qmp = await JsonLines.connect(path)
  await qmp.command("qmp_capabilities")
  return qmp
}

/** The guest agent answers once it runs; guest-sync with a fresh id flushes anything stale first. */
export const connectAgent = async (path: string, timeoutMs = 60_000) => {
  const agent = await JsonLines.connect(path)
  const deadline = Date.now() + timeoutMs
  for (let id = 1; Date.now() < deadline; id++) {
    const reply = await agent.request("guest-sync", { id }, 3_000).catch(() => undefined)
    if (reply?.return === id) return agent
  }
  throw new Error("guest agent never answered guest-sync")
}

/** Runs a shell command in the guest through its agent (guest-exec); resolves with the exit code and output. */
export const guestShell = async (agent: JsonLines, command: string): Promise<{ code: number; out: string }> => {
  const { pid } = (await agent.command("guest-exec", {
    path: "/bin/sh",
    arg: ["-c", command],
    "capture-output": true,
  })) as { pid: number }
  for (;;) {
    const status = (await agent.command("guest-exec-status", { pid })) as {
      exited: boolean
      exitcode?: number
      "out-data"?: string
      "err-data"?: string
    }
    if (status.exited) {
      const out =
        Buffer.from(status["out-data"] ?? "", "base64").toString() +
        Buffer.from(status["err-data"] ?? "", "base64").toString()
      return { code: status.exitcode ?? -1, out }
    }
    await sleep(100)
  }
}

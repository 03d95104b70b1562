import { mkdtempSync, rmSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, type Scope } from "effect"
import { LineSplitter, parseJsonLine } from "../wire/lines.ts"

/** A request as the fake server received it. */
export interface FakeRequest {
  readonly execute: string
  readonly arguments?: Record<string, unknown>
  readonly id?: unknown
}

/** What a handler answers; `undefined` leaves the request unanswered (it may be answered later via `reply`). */
export type FakeAnswer = { readonly return: unknown } | { readonly error: { class: string; desc: string } } | undefined

export type FakeHandler = (request: FakeRequest, server: FakeJsonLineServer) => FakeAnswer

/**
 * A scriptable newline-JSON peer on a unix socket, standing in for QEMU's monitor or guest agent in unit tests.
 * Handlers answer by command name; the test can also write raw bytes (to split or merge lines), send events,
 * and drop the client.
 */
export class FakeJsonLineServer {
  readonly requests: Array<FakeRequest> = []
  private readonly clients = new Set<net.Socket>()
  private readonly handlers = new Map<string, FakeHandler>()
  private readonly waiters: Array<{ execute: string; resolve: (request: FakeRequest) => void }> = []
  private readonly unclaimed: Array<FakeRequest> = []

  constructor(
    readonly path: string,
    private readonly onConnect: (client: net.Socket, server: FakeJsonLineServer) => void,
  ) {}

  /** Sets how `execute` is answered from now on. */
  on(execute: string, handler: FakeHandler): this {
    this.handlers.set(execute, handler)
    return this
  }

  /** Answers with this `return` value. */
  returns(execute: string, value: unknown): this {
    return this.on(execute, () => ({ return: value }))
  }

  /** Writes text to every client exactly as given (no newline added). */
  writeRaw(text: string | Buffer): void {
    for (const client of this.clients) client.write(text)
  }

  send(message: unknown): void {
    this.writeRaw(`${JSON.stringify(message)}\n`)
  }

  /** Sends a QMP event with a QEMU-style timestamp to every client. */
  event(name: string, data?: Record<string, unknown>): void {
    const now = Date.now()
    this.send({
      event: name,
      ...(data === undefined ? {} : { data }),
      timestamp: { seconds: Math.floor(now / 1000), microseconds: (now % 1000) * 1000 },
    })
  }

  reply(request: FakeRequest, answer: NonNullable<FakeAnswer>): void {
    this.send({ ...answer, ...(request.id === undefined ? {} : { id: request.id }) })
  }

  /** Closes every client connection, as a dying QEMU would. */
  dropClients(): void {
    for (const client of this.clients) client.destroy()
  }

  /** Resolves once no client is connected. */
  whenNoClients(): Promise<void> {
    if (this.clients.size === 0) return Promise.resolve()
    return Promise.all([...this.clients].map((client) => new Promise((resolve) => client.once("close", resolve)))).then(
      () => undefined,
    )
  }

  get clientCount(): number {
    return this.clients.size
  }

  /** Resolves with the next request for `execute` (or the one already received and not yet awaited). */
  nextRequest(execute: string): Promise<FakeRequest> {
    const index = this.unclaimed.findIndex((request) => request.execute === execute)
    const request = index >= 0 ? this.unclaimed.splice(index, 1)[0] : undefined
    if (request !== undefined) return Promise.resolve(request)
    return new Promise((resolve) => this.waiters.push({ execute, resolve }))
  }

  /** @internal */
  attach(client: net.Socket): void {
    this.clients.add(client)
    client.on("close", () => this.clients.delete(client))
    client.on("error", () => client.destroy())
    const splitter = new LineSplitter()
    client.on("data", (chunk: Buffer) => {
      for (const line of splitter.push(chunk)) this.receive(line)
    })
    this.onConnect(client, this)
  }

  private receive(line: string): void {
    const message = parseJsonLine(line) as FakeRequest | undefined
    if (message === undefined || typeof message.execute !== "string") return
    this.requests.push(message)
    const waiter = this.waiters.findIndex((candidate) => candidate.execute === message.execute)
    if (waiter >= 0) this.waiters.splice(waiter, 1)[0]?.resolve(message)
    else this.unclaimed.push(message)
    const handler = this.handlers.get(message.execute)
    const answer: FakeAnswer = handler
      ? handler(message, this)
      : { error: { class: "CommandNotFound", desc: `The command ${message.execute} has not been found` } }
    if (answer !== undefined) this.reply(message, answer)
  }
}

/** Starts a fake server in a fresh temporary directory; closing the scope stops it and removes the directory. */
export const startFakeJsonLineServer = (
  onConnect: (client: net.Socket, server: FakeJsonLineServer) => void,
): Effect.Effect<FakeJsonLineServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<{ server: FakeJsonLineServer; listener: net.Server; dir: string }>((resume) => {
      const dir = mkdtempSync(join(tmpdir(), "hx-jsonline-"))
      const fake = new FakeJsonLineServer(join(dir, "peer.sock"), onConnect)
      const listener = net.createServer((client) => fake.attach(client))
      listener.listen(fake.path, () => resume(Effect.succeed({ server: fake, listener, dir })))
    }),
    ({ server, listener, dir }) =>
      Effect.callback<void>((resume) => {
        server.dropClients()
        listener.close(() => {
          rmSync(dir, { recursive: true, force: true })
          resume(Effect.void)
        })
      }),
  ).pipe(Effect.map(({ server }) => server))

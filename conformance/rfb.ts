import { Effect } from "effect"
import { WebSocket } from "ws"
import { ByteReader } from "./byte-reader.ts"
import { CaseFailure, describeError } from "./failure.ts"

/** What a VNC server said in the opening of RFB 3.8. */
export interface RfbGreeting {
  /** The server's ProtocolVersion line without its newline, e.g. "RFB 003.008". */
  readonly version: string
  readonly securityTypes: ReadonlyArray<number>
  /** ServerInit, when the server offered security type None (1) and the handshake went on to it. */
  readonly desktop?: { readonly width: number; readonly height: number; readonly name: string }
}

const securityNone = 1

/** RFB 6.1–6.3.2 as a noVNC client does it, over one open WebSocket; rejects with what went wrong. */
const handshake = async (reader: ByteReader, send: (bytes: Buffer | string) => void): Promise<RfbGreeting> => {
  const version = (await reader.read(12)).toString("latin1")
  if (!/^RFB \d{3}\.\d{3}\n$/.test(version))
    throw new Error(`the server's first 12 bytes are ${JSON.stringify(version)}`)
  send("RFB 003.008\n")
  const count = (await reader.read(1))[0] ?? 0
  if (count === 0) {
    const length = (await reader.read(4)).readUInt32BE(0)
    throw new Error(`the server refused the connection: ${(await reader.read(length)).toString("utf8")}`)
  }
  const securityTypes = [...(await reader.read(count))]
  const greeting = { version: version.trimEnd(), securityTypes }
  if (!securityTypes.includes(securityNone)) return greeting
  send(Buffer.from([securityNone]))
  const result = (await reader.read(4)).readUInt32BE(0)
  if (result !== 0) throw new Error(`security type None was offered, then failed with result ${result}`)
  send(Buffer.from([1]))
  const init = await reader.read(24)
  const name = (await reader.read(init.readUInt32BE(20))).toString("utf8")
  return { ...greeting, desktop: { width: init.readUInt16BE(0), height: init.readUInt16BE(2), name } }
}

/** Connects to a WebSocket that carries a VNC server (the agent's console URL) and runs the RFB 3.8 opening. */
export const rfbHandshake = (url: string, timeoutMs: number): Effect.Effect<RfbGreeting, CaseFailure> =>
  Effect.suspend(() => {
    const reader = new ByteReader()
    const client = new WebSocket(url)
    client.binaryType = "nodebuffer"
    client.on("message", (data: Buffer) => reader.push(data))
    client.on("close", (code: number) => reader.end(`the WebSocket closed (${code})`))
    client.on("error", (error: Error) => reader.end(`the WebSocket failed: ${describeError(error)}`))
    const failure = (message: string) => new CaseFailure({ message: `RFB over ${url}: ${message}` })
    return Effect.callback<RfbGreeting, CaseFailure>((resume) => {
      client.once("open", () =>
        handshake(reader, (bytes) => client.send(bytes)).then(
          (greeting) => resume(Effect.succeed(greeting)),
          (error: unknown) => resume(Effect.fail(failure(describeError(error)))),
        ),
      )
      // Before "open", a failed connection only closes; the reader then has nothing to reject.
      client.once("close", (code: number) => resume(Effect.fail(failure(`the WebSocket closed (${code})`))))
    }).pipe(
      Effect.timeoutOrElse({
        duration: timeoutMs,
        orElse: () => Effect.fail(failure(`no complete handshake within ${timeoutMs} ms`)),
      }),
      Effect.ensuring(Effect.sync(() => client.terminate())),
    )
  })

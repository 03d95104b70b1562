import { connect, type Socket } from "node:net"
import type { Duplex } from "node:stream"
import type { WebSocket } from "ws"
import type { ConsoleEndpoint } from "../../core/driver/driver.ts"
import { closeCodes } from "./upgrade.ts"

/** Connects to where a console listens; rejects when nothing answers within `timeoutMs`. */
export const connectEndpoint = (endpoint: ConsoleEndpoint, timeoutMs = 5_000): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = endpoint.kind === "unix" ? connect(endpoint.path) : connect(endpoint.port, endpoint.host)
    const fail = (error: Error) => {
      socket.destroy()
      reject(error)
    }
    socket.setTimeout(timeoutMs, () => fail(new Error(`no answer from the console within ${timeoutMs} ms`)))
    socket.once("error", fail)
    socket.once("connect", () => {
      socket.setTimeout(0)
      socket.off("error", fail)
      // Nothing is read until the WebSocket is open: the greeting (RFB's version line) must reach the client.
      socket.pause()
      resolve(socket)
    })
  })

/** How many bytes may wait for a slow client before the console is paused. */
const highWaterBytes = 4 * 1024 * 1024

export interface ConsolePipe {
  /** A frame from the client: bytes for the console (binary, or text for a serial console). */
  readonly fromClient: (data: string | ArrayBuffer) => void
  readonly close: () => void
}

/**
 * The websockify pattern noVNC expects: the console's bytes go to the client as binary frames, the client's frames
 * go to the console unchanged. Each side is paused while the other cannot keep up, and either side closing closes
 * the other.
 */
export const pipeConsole = (client: WebSocket, target: Duplex): ConsolePipe => {
  let pending = 0
  const closeClient = (code: number, reason: string) => {
    if (client.readyState === client.OPEN || client.readyState === client.CONNECTING) client.close(code, reason)
  }
  target.on("data", (chunk: Buffer) => {
    pending += chunk.length
    if (pending > highWaterBytes) target.pause()
    client.send(chunk, { binary: true }, () => {
      pending -= chunk.length
      if (pending <= highWaterBytes / 2 && target.isPaused()) target.resume()
    })
  })
  target.once("close", () => closeClient(closeCodes.normal, "console closed"))
  // A relayed console (#16, a WebSocket stream) ends rather than closes when the far side closes.
  target.once("end", () => closeClient(closeCodes.normal, "console closed"))
  target.on("error", () => closeClient(closeCodes.internalError, "console connection failed"))
  target.resume()
  return {
    fromClient: (data) => {
      if (target.destroyed) return
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data)
      if (!target.write(bytes)) {
        client.pause()
        target.once("drain", () => client.resume())
      }
    },
    close: () => {
      target.destroy()
    },
  }
}

import { chmodSync, rmSync } from "node:fs"
import { createServer, type Socket } from "node:net"
import { handleAdminRequest } from "../cli/admin-protocol.ts"
import type { AgentRuntime } from "../env.ts"

/** A request line longer than this is not an admin command. */
const maxLineBytes = 64 * 1024

const answer = (socket: Socket, reply: unknown) => socket.end(`${JSON.stringify(reply)}\n`)

/**
 * The running agent's admin socket: `hyperx token create` and the other admin verbs reach the agent's own store
 * through it (PGlite serves one process only). A unix socket in the data folder, readable and writable by its
 * owner only: whoever may read the data folder may administer the platform anyway.
 */
export const serveAdminSocket = async (
  path: string,
  runtime: AgentRuntime,
): Promise<{ close: () => Promise<void> }> => {
  rmSync(path, { force: true })
  const server = createServer((socket) => {
    let buffer = ""
    socket.setEncoding("utf8")
    socket.on("error", () => socket.destroy())
    socket.on("data", (chunk: string) => {
      buffer += chunk
      if (buffer.length > maxLineBytes) return answer(socket, { ok: false, message: "request too long" })
      const end = buffer.indexOf("\n")
      if (end < 0) return
      socket.pause()
      let request: unknown
      try {
        request = JSON.parse(buffer.slice(0, end))
      } catch {
        return answer(socket, { ok: false, message: "the request is not JSON" })
      }
      runtime.runPromise(handleAdminRequest(request)).then(
        (reply) => answer(socket, reply),
        (error: unknown) => answer(socket, { ok: false, message: String(error) }),
      )
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(path, () => resolve())
  })
  chmodSync(path, 0o600)
  return {
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        rmSync(path, { force: true })
      }),
  }
}

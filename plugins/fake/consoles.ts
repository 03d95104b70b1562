import { mkdtempSync, rmSync } from "node:fs"
import { createServer, type Server, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import type { ConsoleEndpoint } from "../../core/driver/driver.ts"
import { DriverError, HypervisorFailure } from "../../core/driver/errors.ts"
import { greetAsVnc, replaySerial } from "./console-protocols.ts"

export type ConsoleKind = "vnc" | "serial"

/**
 * The unix sockets behind the fake's consoles, one server per running domain and kind, as a hypervisor process
 * listens on its own. Nothing listens for a stopped domain: `close` runs when a domain stops or is forgotten.
 */
export interface ConsoleServers {
  /** Where the domain's console listens, starting its server on first use; it listens once this returns. */
  readonly serve: (name: string, kind: ConsoleKind) => Effect.Effect<ConsoleEndpoint, DriverError>
  /** Closes the domain's servers and drops their clients. */
  readonly close: (name: string) => void
  /** Closes every server and removes the socket folder (the driver instance is dropped). */
  readonly closeAll: () => void
}

interface Listening {
  readonly server: Server
  readonly clients: Set<Socket>
  readonly ready: Promise<void>
}

// A process that exits with servers still open (a test without a scope) leaves no socket folders behind.
const liveFolders = new Set<string>()
let exitHookInstalled = false
const removeOnExit = (folder: string) => {
  liveFolders.add(folder)
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once("exit", () => {
    for (const live of liveFolders) rmSync(live, { recursive: true, force: true })
  })
}

export const makeConsoleServers = (driver: string): ConsoleServers => {
  const servers = new Map<string, Listening>()
  let folder: string | undefined
  const key = (name: string, kind: ConsoleKind) => `${name}.${kind}`

  const dropFolderIfIdle = () => {
    if (servers.size > 0 || folder === undefined) return
    rmSync(folder, { recursive: true, force: true })
    liveFolders.delete(folder)
    folder = undefined
  }

  const stop = (id: string) => {
    const listening = servers.get(id)
    if (!listening) return
    servers.delete(id)
    for (const client of listening.clients) client.destroy()
    listening.server.close()
  }

  const start = (name: string, kind: ConsoleKind, path: string): Listening => {
    const clients = new Set<Socket>()
    const greet = kind === "vnc" ? greetAsVnc(name) : replaySerial(name)
    const server = createServer((socket) => {
      // Unref'd like the server: an open console never keeps a test process alive.
      socket.unref()
      clients.add(socket)
      socket.on("error", () => socket.destroy())
      socket.on("close", () => clients.delete(socket))
      greet(socket)
    })
    const ready = new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen(path, () => resolve())
    })
    server.unref()
    return { server, clients, ready }
  }

  return {
    serve: (name, kind) =>
      Effect.gen(function* () {
        const id = key(name, kind)
        if (folder === undefined) {
          folder = mkdtempSync(join(tmpdir(), "hx-fake-consoles-"))
          removeOnExit(folder)
        }
        const path = join(folder, `${id}.sock`)
        let listening = servers.get(id)
        if (!listening) {
          listening = start(name, kind, path)
          servers.set(id, listening)
        }
        const ready = listening.ready
        yield* Effect.tryPromise({
          try: () => ready,
          catch: (cause) =>
            new DriverError({
              driver,
              operation: `console.${kind}`,
              reason: new HypervisorFailure({ message: `cannot listen on ${path}: ${String(cause)}`, retryable: true }),
            }),
        }).pipe(Effect.tapError(() => Effect.sync(() => stop(id))))
        return { kind: "unix", path } as const
      }),
    close: (name) => {
      stop(key(name, "vnc"))
      stop(key(name, "serial"))
      dropFolderIfIdle()
    },
    closeAll: () => {
      for (const id of [...servers.keys()]) stop(id)
      dropFolderIfIdle()
    },
  }
}

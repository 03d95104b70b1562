import { existsSync } from "node:fs"
import { connect } from "node:net"
import { ManagedRuntime } from "effect"
import { layerPglite, layerPostgres } from "../../core/store/layer.ts"
import type { AgentConfig } from "../start/config.ts"
import { type DataFolder, openDataFolder, runningAgentPid } from "../start/data-folder.ts"
import type { AdminRequest } from "./admin-commands.ts"
import { type AdminReply, handleAdminRequest } from "./admin-protocol.ts"

/** Sends one request to a running agent; undefined when no agent listens on the socket. */
export const sendToAgent = (path: string, request: AdminRequest): Promise<AdminReply | undefined> =>
  new Promise((resolve, reject) => {
    if (!existsSync(path)) return resolve(undefined)
    const socket = connect(path)
    let text = ""
    socket.setEncoding("utf8")
    socket.once("error", (error: NodeJS.ErrnoException) =>
      error.code === "ECONNREFUSED" || error.code === "ENOENT" ? resolve(undefined) : reject(error),
    )
    socket.on("data", (chunk: string) => {
      text += chunk
    })
    socket.once("end", () => {
      try {
        resolve(JSON.parse(text) as AdminReply)
      } catch {
        reject(new Error(`the agent answered something that is not JSON: ${text.slice(0, 200)}`))
      }
    })
    socket.once("connect", () => socket.write(`${JSON.stringify(request)}\n`))
  })

/** Opens the store the agent would use (PGlite in the data folder, or DATABASE_URL) and runs the request in it. */
const runInStore = async (config: AgentConfig, folder: DataFolder, request: AdminRequest): Promise<AdminReply> => {
  const store =
    config.databaseUrl === undefined ? layerPglite({ dataDir: folder.pgliteDir }) : layerPostgres(config.databaseUrl)
  const runtime = ManagedRuntime.make(store)
  try {
    return await runtime.runPromise(handleAdminRequest(request))
  } catch (error) {
    // The request itself never fails (the reply says how it went): this is the store failing to open.
    return { ok: false, message: `The database could not be opened: ${error instanceof Error ? error.message : error}` }
  } finally {
    await runtime.dispose()
  }
}

/**
 * Runs an admin command where the platform's records are: through the running agent's admin socket when an agent
 * holds this data folder (its PGlite serves one process only), otherwise directly in the store.
 */
export const runAdmin = async (config: AgentConfig, request: AdminRequest): Promise<AdminReply> => {
  const folder = openDataFolder(config.dataDir)
  const viaAgent = await sendToAgent(folder.adminSocket, request)
  if (viaAgent !== undefined) return viaAgent
  const starting = runningAgentPid(folder)
  if (starting !== undefined && config.databaseUrl === undefined) {
    return { ok: false, message: `The agent (pid ${starting}) is starting; try again when it has printed its URLs` }
  }
  return runInStore(config, folder, request)
}

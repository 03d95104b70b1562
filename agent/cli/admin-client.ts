import { Effect, ManagedRuntime } from "effect"
import { layerPostgres } from "../../core/store/layer.ts"
import { clusterState } from "../../core/store/server/cluster.ts"
import { runningServerUrl } from "../../core/store/server/server.ts"
import type { AgentConfig } from "../start/config.ts"
import { type DataFolder, lockDataFolder, openDataFolder, runningAgentPid } from "../start/data-folder.ts"
import { openAgentDatabase } from "../start/database.ts"
import type { AdminRequest } from "./admin-commands.ts"
import { type AdminReply, handleAdminRequest } from "./admin-protocol.ts"

const failed = (error: unknown): AdminReply => ({
  ok: false,
  message: `The database could not be opened: ${error instanceof Error ? error.message : String(error)}`,
})

/** Runs the request in the store of `url`; the request itself never fails (the reply says how it went). */
const runInStore = async (url: string, request: AdminRequest): Promise<AdminReply> => {
  const runtime = ManagedRuntime.make(layerPostgres(url))
  try {
    return await runtime.runPromise(handleAdminRequest(request))
  } catch (error) {
    return failed(error)
  } finally {
    await runtime.dispose()
  }
}

/** No agent runs: this command holds the data folder and runs the embedded server for its own duration. */
const withOwnServer = async (folder: DataFolder, request: AdminRequest): Promise<AdminReply> => {
  const unlock = lockDataFolder(folder)
  try {
    const database = await openAgentDatabase(undefined, folder, () => {})
    try {
      return await runInStore(database.url, request)
    } finally {
      await database.close()
    }
  } catch (error) {
    return failed(error)
  } finally {
    unlock()
  }
}

/**
 * Runs an admin command directly in the database (every agent process may open it now that it is a PostgreSQL
 * server): DATABASE_URL; or the data folder's embedded server, the running agent's (found by its postmaster.pid)
 * or, when no agent runs, one this command starts and stops.
 */
export const runAdmin = async (config: AgentConfig, request: AdminRequest): Promise<AdminReply> => {
  if (config.databaseUrl !== undefined) return runInStore(config.databaseUrl, request)
  const folder = openDataFolder(config.dataDir)
  const agent = runningAgentPid(folder)
  if (agent === undefined) return withOwnServer(folder, request)
  const url = await Effect.runPromise(
    runningServerUrl({ dir: folder.pgDir, passwordFile: folder.pgPasswordFile }).pipe(
      Effect.orElseSucceed(() => undefined),
    ),
  )
  if (url === undefined) {
    // An agent on DATABASE_URL never made the folder's own server: the command needs that database too
    const paths = { dir: folder.pgDir, passwordFile: folder.pgPasswordFile }
    const state = await Effect.runPromise(clusterState(paths).pipe(Effect.orElseSucceed(() => "unreadable" as const)))
    if (state === "absent") {
      return {
        ok: false,
        message: `The agent (pid ${agent}) of this data folder uses an external database: run this with its DATABASE_URL set, or --database-url`,
      }
    }
    return { ok: false, message: `The agent (pid ${agent}) is starting; try again when it has printed its URLs` }
  }
  return runInStore(url, request)
}

import { Cause, Effect, Exit, Scope } from "effect"
import { PgliteFolderError } from "../../core/store/server/cluster.ts"
import { embeddedServer } from "../../core/store/server/server.ts"
import { serverUser } from "../../core/store/server/server-user.ts"
import { redactUrl } from "./config.ts"
import { allowServerUser, type DataFolder } from "./data-folder.ts"
import { StartError } from "./start-error.ts"

/** The database an agent (or an admin command) uses: DATABASE_URL, or the data folder's embedded server. */
export interface AgentDatabase {
  readonly url: string
  /** For the start banner. */
  readonly description: string
  /** Resolves, with what to tell the user, if the embedded server stops under the agent; never for DATABASE_URL. */
  readonly lost: Promise<string>
  /** Stops the embedded server (after the store has closed). */
  readonly close: () => Promise<void>
}

/** The command that converts a data folder of an older hyperx (PGlite) to the embedded server. */
export const convertCommand = (dataDir: string) => `npx hyperx data convert-pglite --data ${dataDir}`

export const pgliteMessage = (dataDir: string) =>
  `${dataDir}/pg holds the PGlite database of an older hyperx, which this version no longer reads.\n` +
  `Convert it once (VMs, disks, snapshots, tokens and the rest are kept; the PGlite files move to ${dataDir}/pg-pglite):\n` +
  `  ${convertCommand(dataDir)}\n` +
  "then start the agent again. (Or point DATABASE_URL at a PostgreSQL server.)"

/**
 * Opens the agent's database. Without DATABASE_URL: the embedded PostgreSQL server of `<data>/pg`, started (or,
 * after an agent was killed, found running) now and stopped by `close`; as root it runs as the unprivileged system
 * user hyperx-pg, which reaches its own folder only.
 */
export const openAgentDatabase = async (
  databaseUrl: string | undefined,
  folder: DataFolder,
  progress: (text: string) => void,
): Promise<AgentDatabase> => {
  if (databaseUrl !== undefined) {
    return {
      url: databaseUrl,
      description: `PostgreSQL ${redactUrl(databaseUrl)}`,
      lost: new Promise<string>(() => {}),
      close: async () => {},
    }
  }
  const scope = await Effect.runPromise(Scope.make())
  const exit = await Effect.runPromiseExit(
    Effect.gen(function* () {
      const user = yield* serverUser()
      if (user !== undefined) allowServerUser(folder, user.gid)
      return yield* embeddedServer({ dir: folder.pgDir, passwordFile: folder.pgPasswordFile, user, progress })
    }).pipe(Scope.provide(scope)),
  )
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    const error = Cause.squash(exit.cause)
    if (error instanceof PgliteFolderError) throw new StartError(pgliteMessage(folder.root))
    throw new StartError(
      `The embedded PostgreSQL could not start: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  const server = exit.value
  const who = process.getuid?.() === 0 ? ", as user hyperx-pg" : ""
  return {
    url: server.url,
    description: `embedded PostgreSQL 18 in ${folder.pgDir} (pid ${server.pid}${who}${server.adopted ? ", still running from before" : ""})`,
    lost: Effect.runPromise(server.exited).then(
      () =>
        `The embedded PostgreSQL (pid ${server.pid}) stopped under the agent. The agent stops too (exit 1), so that ` +
        "its supervisor restarts it; the next start restarts the server, which recovers every committed write.",
    ),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void)),
  }
}

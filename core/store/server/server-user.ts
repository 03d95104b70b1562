import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { Effect } from "effect"
import { StoreError } from "../../errors.ts"

const exec = promisify(execFile)

/** The system user the embedded server runs as when the agent is root (PostgreSQL refuses to run as root). */
export interface ServerUser {
  readonly name: string
  readonly uid: number
  readonly gid: number
}

export const defaultServerUserName = "hyperx-pg"

const idOf = (name: string) =>
  Effect.tryPromise(async () => {
    const [uid, gid] = await Promise.all([exec("id", ["-u", name]), exec("id", ["-g", name])])
    return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
  })

/**
 * Who runs the server: nobody else (undefined) when the agent is not root; as root, the system user `name`,
 * made on the first start (no home, no login shell) when it does not exist.
 */
export const serverUser = (name = defaultServerUserName): Effect.Effect<ServerUser | undefined, StoreError> =>
  process.getuid?.() !== 0
    ? Effect.succeed(undefined)
    : idOf(name).pipe(
        Effect.catch(() =>
          Effect.tryPromise(() =>
            exec("useradd", [
              "--system",
              "--user-group",
              "--no-create-home",
              "--home-dir",
              "/nonexistent",
              "--shell",
              "/usr/sbin/nologin",
              name,
            ]),
          ).pipe(Effect.andThen(idOf(name))),
        ),
        Effect.mapError(
          (cause) =>
            new StoreError({
              operation: "embeddedServer.user",
              message: `Could not find or make the system user ${name} for the embedded PostgreSQL: ${String(cause)}`,
              retryable: false,
            }),
        ),
      )

import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { Effect } from "effect"
import { StoreError } from "../../errors.ts"
import type { PostgresBinaries } from "./binaries.ts"
import type { ServerUser } from "./server-user.ts"
import { embeddedRole, hbaConf } from "./settings.ts"

const exec = promisify(execFile)

/** Where one embedded cluster lives: its folder (owned by the server's user) and the agent's password file. */
export interface ClusterPaths {
  /** The cluster (PGDATA), 0700, owned by the server's user. */
  readonly dir: string
  /** The `hyperx` role's password, 0600, owned by the agent: its presence marks a cluster hyperx made. */
  readonly passwordFile: string
}

/** The folder holds a data folder of a hyperx that kept PGlite there (files the PostgreSQL binaries cannot read). */
export class PgliteFolderError extends Error {
  override readonly name = "PgliteFolderError"
}

const fail = (operation: string) => (cause: unknown) =>
  cause instanceof StoreError || cause instanceof PgliteFolderError
    ? cause
    : new StoreError({ operation, message: cause instanceof Error ? cause.message : String(cause), retryable: false })

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  )

const entries = (dir: string) => readdir(dir).catch(() => [] as Array<string>)

/** What the cluster folder holds now. */
export const clusterState = (paths: ClusterPaths) =>
  Effect.tryPromise({
    try: async (): Promise<"absent" | "unfinished" | "ours" | "pglite"> => {
      const names = await entries(paths.dir)
      const hasPassword = await exists(paths.passwordFile)
      if (names.length === 0) return "absent"
      if (!hasPassword) {
        if (names.includes("PG_VERSION")) return "pglite"
        throw new Error(`${paths.dir} holds files that are no PostgreSQL cluster of hyperx; move them away`)
      }
      // The password file is written before initdb, our pg_hba.conf after it: a cluster without it is unfinished.
      const hba = await readFile(join(paths.dir, "pg_hba.conf"), "utf8").catch(() => "")
      return hba === hbaConf ? "ours" : "unfinished"
    },
    catch: fail("embeddedServer.clusterState"),
  })

export const readPassword = (paths: ClusterPaths) =>
  Effect.tryPromise({
    try: async () => (await readFile(paths.passwordFile, "utf8")).trim(),
    catch: fail("embeddedServer.readPassword"),
  })

const ownTo = async (path: string, user: ServerUser | undefined) => {
  if (user !== undefined) await chown(path, user.uid, user.gid)
}

/**
 * initdb a new cluster (or again over an unfinished one) in `paths.dir` for the role `hyperx` with a generated password (kept 0600 in
 * `paths.passwordFile`), run as the server's user. Password logins over the unix socket are the only way in.
 */
export const initialiseCluster = (paths: ClusterPaths, binaries: PostgresBinaries, user: ServerUser | undefined) =>
  Effect.tryPromise({
    try: async () => {
      const password = randomBytes(24).toString("base64url")
      await writeFile(paths.passwordFile, `${password}\n`, { mode: 0o600, flag: "w" })
      await chmod(paths.passwordFile, 0o600)
      await rm(paths.dir, { recursive: true, force: true })
      await mkdir(paths.dir, { recursive: true, mode: 0o700 })
      await chmod(paths.dir, 0o700)
      await ownTo(paths.dir, user)
      // initdb reads the password from a file the server's user can read; it lives only while initdb runs.
      const scratch = await mkdtemp(join(tmpdir(), "hyperx-initdb-"))
      try {
        await ownTo(scratch, user)
        const pwfile = join(scratch, "pw")
        await writeFile(pwfile, `${password}\n`, { mode: 0o600 })
        await ownTo(pwfile, user)
        await exec(
          binaries.initdb,
          [
            `--pgdata=${paths.dir}`,
            `--username=${embeddedRole}`,
            `--pwfile=${pwfile}`,
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-instructions",
          ],
          { ...(user === undefined ? {} : { uid: user.uid, gid: user.gid }), env: { ...process.env, LC_ALL: "C" } },
        )
      } finally {
        await rm(scratch, { recursive: true, force: true })
      }
      await writeFile(join(paths.dir, "pg_hba.conf"), hbaConf, { mode: 0o600 })
      await ownTo(join(paths.dir, "pg_hba.conf"), user)
    },
    catch: fail("embeddedServer.initdb"),
  })

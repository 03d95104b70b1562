import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { chmod, chown, mkdir, open, readFile } from "node:fs/promises"
import { join } from "node:path"
import { Effect, Schedule, type Scope } from "effect"
import pg from "pg"
import { StoreError } from "../../errors.ts"
import { findBinaries, type PostgresBinaries } from "./binaries.ts"
import { type ClusterPaths, clusterState, initialiseCluster, PgliteFolderError, readPassword } from "./cluster.ts"
import type { ServerUser } from "./server-user.ts"
import { embeddedDatabase, embeddedRole, settingsArgs } from "./settings.ts"

export interface EmbeddedServerOptions extends ClusterPaths {
  /** The system user the server runs as (the agent is root); undefined: the agent's own user. */
  readonly user: ServerUser | undefined
  /** Settings over the defaults (tests: fsync off); the socket and listen_addresses cannot be changed. */
  readonly settings?: Readonly<Record<string, string>>
  /** Progress for a user (first start, crash recovery). */
  readonly progress?: (text: string) => void
}

/** A running embedded server, reachable through its unix socket only. */
export interface EmbeddedServer {
  /** postgresql://hyperx:…@localhost/hyperx?host=<socket folder> */
  readonly url: string
  /** The same server's `postgres` database (create and drop databases). */
  readonly adminUrl: string
  /** The postmaster's pid. */
  readonly pid: number
  /** This start made the cluster (initdb). */
  readonly initialised: boolean
  /** The server was already running (left by an agent killed with -9) and is used as it is. */
  readonly adopted: boolean
  /** Completes when the server's process is gone (for whatever reason). */
  readonly exited: Effect.Effect<void>
}

const storeError = (operation: string, message: string) => new StoreError({ operation, message, retryable: false })

/** Unix socket paths hold at most 107 bytes: a deep cluster folder gets its socket folder under /tmp instead. */
const socketDirFor = (dir: string) =>
  Buffer.byteLength(join(dir, ".s.PGSQL.5432")) <= 100
    ? dir
    : join("/tmp", `hyperx-pg-${createHash("sha256").update(dir).digest("hex").slice(0, 12)}`)

const prepareSocketDir = (socketDir: string, options: EmbeddedServerOptions) =>
  Effect.tryPromise({
    try: async () => {
      if (socketDir === options.dir) return
      await mkdir(socketDir, { recursive: true, mode: 0o700 })
      await chmod(socketDir, 0o700)
      if (options.user !== undefined) await chown(socketDir, options.user.uid, options.user.gid)
    },
    catch: (cause) => storeError("embeddedServer.socketDir", String(cause)),
  })

/** The process runs (EPERM: it runs, as another user). */
export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** The postmaster recorded in the cluster's postmaster.pid, when that process still runs and is a postgres. */
const runningPostmaster = (dir: string) =>
  Effect.promise(async () => {
    const text = await readFile(join(dir, "postmaster.pid"), "utf8").catch(() => "")
    const pid = Number(text.split("\n")[0])
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined
    const command = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "postgres")
    return command.includes("postgres") ? pid : undefined
  })

const urlFor = (password: string, socketDir: string, database: string) =>
  `postgresql://${embeddedRole}:${encodeURIComponent(password)}@localhost/${database}?host=${encodeURIComponent(socketDir)}`

/** One connection that answers; fails while the server starts (or recovers after a crash). */
const answers = (url: string) =>
  Effect.tryPromise({
    try: async () => {
      const client = new pg.Client({ connectionString: url })
      client.on("error", () => undefined)
      try {
        await client.connect()
        await client.query("select 1")
      } finally {
        await client.end().catch(() => undefined)
      }
    },
    catch: (cause) => cause,
  })

/** Waits until the server accepts connections, or fails when its process ends first. */
const untilReady = (url: string, pid: number, logFile: string) =>
  answers(url).pipe(
    Effect.retry({
      schedule: Schedule.spaced("50 millis"),
      while: () => isAlive(pid),
      times: 2400,
    }),
    Effect.catch(() =>
      Effect.promise(() => readFile(logFile, "utf8").catch(() => "")).pipe(
        Effect.flatMap((log) =>
          Effect.fail(
            storeError(
              "embeddedServer.start",
              `The embedded PostgreSQL did not start; the end of ${logFile}:\n${log.split("\n").slice(-12).join("\n")}`,
            ),
          ),
        ),
      ),
    ),
  )

/**
 * Start the postmaster, detached from the agent: in its own process group, so a Ctrl-C in the terminal reaches the
 * agent only (which stops the server after its last writes), and an agent killed with -9 leaves it running.
 */
const spawnServer = (binaries: PostgresBinaries, options: EmbeddedServerOptions, socketDir: string, logFile: string) =>
  Effect.tryPromise({
    try: async () => {
      const log = await open(logFile, "a", 0o600)
      try {
        if (options.user !== undefined) await log.chown(options.user.uid, options.user.gid)
        const child = spawn(binaries.postgres, ["-D", options.dir, ...settingsArgs(socketDir, options.settings)], {
          detached: true,
          stdio: ["ignore", log.fd, log.fd],
          env: { ...process.env, LC_ALL: "C" },
          ...(options.user === undefined ? {} : { uid: options.user.uid, gid: options.user.gid }),
        })
        const pid = await new Promise<number>((resolve, reject) => {
          child.once("error", reject)
          child.once("spawn", () => resolve(child.pid ?? 0))
        })
        child.unref()
        return pid
      } finally {
        await log.close()
      }
    },
    catch: (cause) => storeError("embeddedServer.spawn", String(cause)),
  })

/** Fast shutdown (SIGINT: sessions end, everything committed is on disk), then wait for the process to go. */
const stopServer = (pid: number) =>
  Effect.sync(() => {
    if (isAlive(pid)) process.kill(pid, "SIGINT")
  }).pipe(
    Effect.andThen(Effect.sleep("50 millis").pipe(Effect.repeat({ while: () => isAlive(pid), times: 1200 }))),
    Effect.ignore,
  )

const createDatabase = (adminUrl: string) =>
  Effect.tryPromise({
    try: async () => {
      const client = new pg.Client({ connectionString: adminUrl })
      await client.connect()
      try {
        const found = await client.query("select 1 from pg_database where datname = $1", [embeddedDatabase])
        if (found.rowCount === 0) await client.query(`create database ${embeddedDatabase}`)
      } finally {
        await client.end()
      }
    },
    catch: (cause) => storeError("embeddedServer.createDatabase", String(cause)),
  })

/**
 * The embedded PostgreSQL server of one cluster folder for the life of the scope: made on the first start (initdb),
 * started, or found already running (its postmaster.pid) after an agent was killed; stopped when the scope closes.
 * A folder of PGlite files (a data folder of an older hyperx) fails with PgliteFolderError.
 */
export const embeddedServer = (
  options: EmbeddedServerOptions,
): Effect.Effect<EmbeddedServer, StoreError | PgliteFolderError, Scope.Scope> =>
  Effect.gen(function* () {
    const binaries = yield* findBinaries
    const state = yield* clusterState(options)
    if (state === "pglite") {
      return yield* Effect.fail(new PgliteFolderError(`${options.dir} holds PGlite files of an older hyperx`))
    }
    const initialised = state !== "ours"
    if (initialised) {
      options.progress?.("initialising the embedded PostgreSQL (first start only)…")
      yield* initialiseCluster(options, binaries, options.user)
    }
    const password = yield* readPassword(options)
    const socketDir = socketDirFor(options.dir)
    const adminUrl = urlFor(password, socketDir, "postgres")
    const logFile = join(options.dir, "server.log")
    const found = yield* runningPostmaster(options.dir)
    const pid =
      found ??
      (yield* prepareSocketDir(socketDir, options).pipe(
        Effect.andThen(spawnServer(binaries, options, socketDir, logFile)),
      ))
    yield* Effect.addFinalizer(() => stopServer(pid))
    yield* untilReady(adminUrl, pid, logFile)
    if (initialised) yield* createDatabase(adminUrl)
    const exited = Effect.sleep("500 millis").pipe(Effect.repeat({ while: () => isAlive(pid) }), Effect.asVoid)
    return {
      url: urlFor(password, socketDir, embeddedDatabase),
      adminUrl,
      pid,
      initialised,
      adopted: found !== undefined,
      exited,
    }
  })

/**
 * The URL of the cluster's server when it runs now (an agent holds it), without starting or stopping anything:
 * for admin commands while the agent runs.
 */
export const runningServerUrl = (paths: ClusterPaths): Effect.Effect<string | undefined, StoreError> =>
  Effect.gen(function* () {
    const pid = yield* runningPostmaster(paths.dir)
    if (pid === undefined) return undefined
    const password = yield* readPassword(paths).pipe(
      Effect.mapError((error) => storeError("embeddedServer.running", error.message)),
    )
    return urlFor(password, socketDirFor(paths.dir), embeddedDatabase)
  })

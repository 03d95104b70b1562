import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { Deferred, Effect, type Scope } from "effect"
import type { DriverError } from "../../../core/driver/errors.ts"
import type { DiskSpec } from "../../../core/driver/spec.ts"
import { describeExit, type ExitStatus, type HostCommands } from "../../host-commands/host-commands.ts"
import { diskNames } from "../argv/names.ts"
import { connectMonitor, type QmpMonitor } from "../qmp/monitor.ts"
import type { Errors } from "./errors.ts"
import type { Settings } from "./options.ts"
import { isOurQemu, readPidfile, signalProcess } from "./process.ts"

/** How long the daemon has to exit cleanly (storing persistent bitmaps in the image) before it is killed. */
const EXIT_GRACE_MS = 10_000

interface Daemon {
  readonly pid: number
  readonly exited: Deferred.Deferred<ExitStatus>
  /** The end of what it wrote (its log), for an error message. */
  readonly output: () => string
}

const launch = (commands: HostCommands, binary: string, args: ReadonlyArray<string>, logPath: string) =>
  commands.launch(binary, args, logPath).pipe(
    Effect.map(
      (launched): Daemon => ({
        ...launched,
        output: () => (existsSync(logPath) ? readFileSync(logPath, "utf8").trim().slice(-2_000) : ""),
      }),
    ),
  )

const stop = (daemon: Daemon) =>
  Effect.gen(function* () {
    if (yield* Deferred.isDone(daemon.exited)) return
    // SIGTERM makes it close its block nodes cleanly; a persistent bitmap is written to the image only then.
    signalProcess(daemon.pid, "SIGTERM")
    const done = yield* Deferred.await(daemon.exited).pipe(
      Effect.as(true),
      Effect.timeoutOrElse({ duration: EXIT_GRACE_MS, orElse: () => Effect.succeed(false) }),
    )
    if (!done) {
      signalProcess(daemon.pid, "SIGKILL")
      yield* Deferred.await(daemon.exited)
    }
  })

const socketOf = (runDir: string) => join(runDir, "qsd.sock")
const pidfileOf = (runDir: string) => join(runDir, "qsd.pid")

/**
 * Ends a storage daemon an earlier agent left serving this domain's disk (it died during a backup): the daemon holds
 * the image's lock, so neither QEMU nor another backup could open it. Called, under the domain's lock, before each
 * daemon and each start: no daemon of ours can be running then. Asked to exit first, so that it stores its bitmaps.
 */
export const reapStaleStorageDaemon = (runDir: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    const pidfile = pidfileOf(runDir)
    const pid = readPidfile(pidfile)
    if (pid !== undefined && isOurQemu(pid, pidfile)) {
      signalProcess(pid, "SIGTERM")
      for (let waited = 0; waited < EXIT_GRACE_MS && isOurQemu(pid, pidfile); waited += 50) yield* Effect.sleep(50)
      if (isOurQemu(pid, pidfile)) signalProcess(pid, "SIGKILL")
    }
    rmSync(pidfile, { force: true })
  })

/**
 * Serves the disk of a stopped domain over QMP with a qemu-storage-daemon, its nodes named as the domain's QEMU names
 * them, so that a backup of a stopped domain runs the very QMP commands a running one does. The daemon lives as long
 * as the scope; closing it stops the daemon cleanly. Opening fails (retryable) when another process holds the image.
 */
export const serveStoppedDisk = (
  settings: Settings,
  errors: Errors,
  commands: HostCommands,
  operation: string,
  domainName: string,
  disk: DiskSpec,
): Effect.Effect<QmpMonitor, DriverError, Scope.Scope> =>
  Effect.gen(function* () {
    const runDir = settings.runtimeFor(domainName).runDir
    const socket = socketOf(runDir)
    mkdirSync(runDir, { recursive: true, mode: 0o700 })
    yield* reapStaleStorageDaemon(runDir)
    rmSync(socket, { force: true })
    const names = diskNames(disk.id)
    const args = [
      "--blockdev",
      JSON.stringify({ driver: "file", filename: disk.path, "node-name": names.fileNode }),
      "--blockdev",
      JSON.stringify({ driver: disk.format, "node-name": names.node, file: names.fileNode }),
      "--chardev",
      `socket,id=qmp,path=${socket},server=on,wait=off`,
      "--monitor",
      "chardev=qmp",
      "--pidfile",
      pidfileOf(runDir),
    ]
    const daemon = yield* Effect.acquireRelease(
      launch(commands, settings.storageDaemon, args, join(runDir, "qsd.log")).pipe(
        Effect.mapError((failure) =>
          errors.failure(operation, `cannot start qemu-storage-daemon: ${failure.message}`, false),
        ),
      ),
      (started) =>
        stop(started).pipe(
          Effect.andThen(
            Effect.sync(() => {
              rmSync(socket, { force: true })
              rmSync(pidfileOf(runDir), { force: true })
            }),
          ),
        ),
    )
    const exitedEarly = Deferred.await(daemon.exited).pipe(
      Effect.flatMap((status) => {
        const output = daemon.output()
        return Effect.fail(
          errors.failure(
            operation,
            `qemu-storage-daemon for ${disk.path} ended (${describeExit(status)}): ${output || "no output"}`,
            /lock/i.test(output),
          ),
        )
      }),
    )
    const connect = connectMonitor(socket, { connectTimeoutMs: 10_000, timeouts: settings.qmpTimeouts }).pipe(
      Effect.mapError(errors.fromQmp(operation)),
    )
    return yield* Effect.raceFirst(connect, exitedEarly)
  })

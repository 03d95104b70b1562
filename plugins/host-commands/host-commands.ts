import { type ChildProcess, spawn } from "node:child_process"
import { closeSync, openSync } from "node:fs"
import { Deferred, Effect, Schema, type Scope } from "effect"

/** A command could not be started at all (no such binary, no log file to write). */
export class CommandFailed extends Schema.TaggedError<CommandFailed>()("CommandFailed", {
  file: Schema.String,
  message: Schema.String,
}) {}

/** How a command ended: its output as text, and its exit code or (when killed) the signal. */
export interface CommandOutcome {
  readonly stdout: string
  readonly stderr: string
  readonly code: number | null
  readonly signal: string | null
}

export interface ExitStatus {
  readonly code: number | null
  readonly signal: string | null
}

/** "exit status 3" or "signal SIGKILL", for messages about a process that ended. */
export const describeExit = (status: ExitStatus) =>
  status.signal === null ? `exit status ${String(status.code)}` : `signal ${status.signal}`

export interface RunOptions {
  /** Written to the command's stdin, which is then closed (empty by default). */
  readonly input?: string
  /** Added to the agent's environment. */
  readonly env?: Readonly<Record<string, string>>
}

export interface LaunchedProcess {
  readonly pid: number
  /** Completes when the process exits; never, if the agent stopped before it did. */
  readonly exited: Deferred.Deferred<ExitStatus>
}

/**
 * The host's commands, as drivers start them (qemu-img, virsh, QEMU), forked by the agent itself. Forking copies the
 * page tables of the process that forks: 10-50 ms per command while the agent held PGlite, which a separate command
 * helper process avoided; with PostgreSQL out of process the agent forks in ~2.8 ms against the helper's ~2.1 ms
 * (bench/spawn), and the helper, a second Node process, cost ~9 MiB PSS (44 MiB resident): it was removed (#13).
 */
export interface HostCommands {
  /** Runs a command to completion. A non-zero exit is an outcome, not a failure; interrupting kills the command. */
  readonly run: (
    file: string,
    args: ReadonlyArray<string>,
    options?: RunOptions,
  ) => Effect.Effect<CommandOutcome, CommandFailed>
  /** Starts a process in its own session with its output in `logPath`; it outlives the agent. */
  readonly launch: (
    file: string,
    args: ReadonlyArray<string>,
    logPath: string,
  ) => Effect.Effect<LaunchedProcess, CommandFailed>
}

const failed = (file: string, cause: unknown) =>
  new CommandFailed({ file, message: cause instanceof Error ? cause.message : String(cause) })

/** A command to completion: stdout and stderr as text, the exit code or the signal that ended it. */
const run: HostCommands["run"] = (file, args, options = {}) =>
  Effect.callback<CommandOutcome, CommandFailed>((resume) => {
    let child: ChildProcess
    try {
      child = spawn(file, [...args], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...options.env } })
    } catch (cause) {
      resume(Effect.fail(failed(file, cause)))
      return
    }
    let stdout = ""
    let stderr = ""
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
    })
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk
    })
    child.once("error", (cause) => resume(Effect.fail(failed(file, cause))))
    child.once("close", (code: number | null, signal: NodeJS.Signals | null) =>
      resume(Effect.succeed({ stdout, stderr, code, signal })),
    )
    // A command that does not read its input must not fail the call: EPIPE on stdin is not the command's outcome.
    child.stdin?.on("error", () => {})
    child.stdin?.end(options.input ?? "")
    // Interrupted (the caller stopped waiting): the command goes too.
    return Effect.sync(() => {
      child.kill("SIGKILL")
    })
  })

/** A process in its own session, its output written to a log, left running whatever becomes of the agent (QEMU). */
const launch: HostCommands["launch"] = (file, args, logPath) =>
  Effect.callback<LaunchedProcess, CommandFailed>((resume) => {
    let log: number
    try {
      log = openSync(logPath, "w")
    } catch (cause) {
      resume(Effect.fail(failed(file, cause)))
      return
    }
    try {
      const exited = Deferred.makeUnsafe<ExitStatus>()
      const child = spawn(file, [...args], { detached: true, stdio: ["ignore", log, log] })
      child.once("spawn", () => resume(Effect.succeed({ pid: child.pid ?? 0, exited })))
      child.once("error", (cause) => resume(Effect.fail(failed(file, cause))))
      child.once("exit", (code, signal) => Deferred.doneUnsafe(exited, Effect.succeed({ code, signal })))
      // The process never holds the agent (a CLI verb ends; the agent's stop leaves the VMs running).
      child.unref()
    } catch (cause) {
      resume(Effect.fail(failed(file, cause)))
    } finally {
      closeSync(log)
    }
  })

/**
 * The host commands. A scoped value still, as when a helper process ran them: closing the scope stops nothing now
 * (commands that run finish, launched processes run on).
 */
export const makeHostCommands: Effect.Effect<HostCommands, never, Scope.Scope> = Effect.succeed({ run, launch })

import { type ChildProcess, fork } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Deferred, Effect, Exit, Schema, type Scope } from "effect"

/** A command could not be started at all (no such binary, or the command helper is gone). */
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
  /** Completes when the process exits; never, if the command helper stopped before it did. */
  readonly exited: Deferred.Deferred<ExitStatus>
}

/**
 * The host's commands, started by a small helper process rather than by the agent itself. Forking copies the page
 * tables of the process that forks: for the agent it was 10-50 ms per command with the event loop stopped while it
 * held PGlite; with the embedded server out of process, ~2.8 ms (/bin/true) against ~2.1 ms for the helper (bench/spawn). Drivers run qemu-img, virsh and QEMU through this.
 */
export interface HostCommands {
  /** Runs a command to completion. A non-zero exit is an outcome, not a failure; interrupting kills the command. */
  readonly run: (
    file: string,
    args: ReadonlyArray<string>,
    options?: RunOptions,
  ) => Effect.Effect<CommandOutcome, CommandFailed>
  /** Starts a process in its own session with its output in `logPath`; it outlives the helper and the agent. */
  readonly launch: (
    file: string,
    args: ReadonlyArray<string>,
    logPath: string,
  ) => Effect.Effect<LaunchedProcess, CommandFailed>
}

const Status = { code: Schema.NullOr(Schema.Number), signal: Schema.NullOr(Schema.String) }
/** What the helper sends back (helper.mjs), each message naming the request it answers. */
const HelperMessage = Schema.Union([
  Schema.Struct({
    type: Schema.Literal("done"),
    id: Schema.Number,
    stdout: Schema.String,
    stderr: Schema.String,
    ...Status,
  }),
  Schema.Struct({ type: Schema.Literal("failed"), id: Schema.Number, message: Schema.String }),
  Schema.Struct({ type: Schema.Literal("launched"), id: Schema.Number, pid: Schema.Number }),
  Schema.Struct({ type: Schema.Literal("exited"), id: Schema.Number, ...Status }),
])
type HelperMessage = typeof HelperMessage.Type
const decodeMessage = Schema.decodeUnknownExit(HelperMessage)

const helperPath = fileURLToPath(new URL("./helper.mjs", import.meta.url))

/**
 * The host commands for the life of the scope. The helper starts at the first command, and again after it died
 * (the commands it was running fail with CommandFailed); closing the scope stops it. Commands it started run on.
 */
export const makeHostCommands: Effect.Effect<HostCommands, never, Scope.Scope> = Effect.gen(function* () {
  let helper: ChildProcess | undefined
  let nextId = 0
  type Listener = (answer: HelperMessage | { readonly type: "helper-gone" }) => void
  const listeners = new Map<number, Listener>()
  /** The requests whose answer is awaited: only these keep the agent alive (an idle helper must not hold a CLI). */
  const awaited = new Set<number>()
  const holdWhileAwaited = () => (awaited.size > 0 ? helper?.channel?.ref() : helper?.channel?.unref())

  const started = () => {
    if (helper?.connected) return helper
    // No loader and none of our flags: the helper is plain JavaScript and stays small.
    const child = fork(helperPath, [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] })
    child.on("message", (raw) => {
      const decoded = decodeMessage(raw)
      if (Exit.isSuccess(decoded)) listeners.get(decoded.value.id)?.(decoded.value)
    })
    const gone = () => {
      if (helper !== child) return
      helper = undefined
      for (const listener of [...listeners.values()]) listener({ type: "helper-gone" })
    }
    // The channel closing is the first sign of a helper that died, and the last event a loop waiting on it gets.
    child.once("disconnect", gone)
    child.once("exit", gone)
    child.once("error", gone)
    // The process itself never holds the agent; the channel does while answers are awaited.
    child.unref()
    helper = child
    return child
  }

  /** Sends a request; `answered` stops awaiting it, `forget` stops listening too. */
  const request = (message: Record<string, unknown>, listener: Listener) => {
    const child = started()
    const id = nextId++
    listeners.set(id, listener)
    awaited.add(id)
    holdWhileAwaited()
    child.send({ ...message, id })
    const answered = () => {
      awaited.delete(id)
      holdWhileAwaited()
    }
    return {
      id,
      answered,
      forget: () => {
        listeners.delete(id)
        answered()
      },
    }
  }

  yield* Effect.addFinalizer(() =>
    Effect.sync(() => {
      const child = helper
      helper = undefined
      child?.kill()
    }),
  )

  const helperGone = (file: string) => new CommandFailed({ file, message: "the command helper stopped" })

  const run: HostCommands["run"] = (file, args, options = {}) =>
    Effect.callback<CommandOutcome, CommandFailed>((resume) => {
      const message = { type: "run", file, args: [...args], input: options.input ?? "", env: options.env ?? {} }
      const pending = request(message, (answer) => {
        pending.forget()
        if (answer.type === "done") {
          const { stdout, stderr, code, signal } = answer
          resume(Effect.succeed({ stdout, stderr, code, signal }))
        } else if (answer.type === "failed") resume(Effect.fail(new CommandFailed({ file, message: answer.message })))
        else resume(Effect.fail(helperGone(file)))
      })
      return Effect.sync(() => {
        pending.forget()
        helper?.send({ type: "kill", id: pending.id, signal: "SIGKILL" })
      })
    })

  const launch: HostCommands["launch"] = (file, args, logPath) =>
    Effect.callback<LaunchedProcess, CommandFailed>((resume) => {
      const exited = Deferred.makeUnsafe<ExitStatus>()
      const pending = request({ type: "launch", file, args: [...args], logPath }, (answer) => {
        if (answer.type === "launched") {
          // Still listening for "exited", which must not keep the agent alive.
          pending.answered()
          resume(Effect.succeed({ pid: answer.pid, exited }))
          return
        }
        const waiting = awaited.has(pending.id)
        pending.forget()
        if (answer.type === "exited")
          Deferred.doneUnsafe(exited, Effect.succeed({ code: answer.code, signal: answer.signal }))
        else if (waiting)
          resume(
            Effect.fail(
              answer.type === "failed" ? new CommandFailed({ file, message: answer.message }) : helperGone(file),
            ),
          )
      })
    })

  return { run, launch }
})

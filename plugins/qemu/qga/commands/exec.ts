import { Effect, Schedule, Schema } from "effect"
import type { QgaAgent, QgaCallOptions } from "../agent.ts"
import { QgaError, QgaTimeout } from "../errors.ts"
import { runDecoded, toBase64 } from "./run.ts"

export interface GuestExecOptions {
  readonly path: string
  readonly args?: ReadonlyArray<string>
  /** "NAME=value" entries. */
  readonly env?: ReadonlyArray<string>
  /** Written to the program's stdin. */
  readonly input?: string | Uint8Array
  /** Keep stdout/stderr for guest-exec-status (default true). */
  readonly captureOutput?: boolean
}

/** Starts a program in the guest and returns its pid; see guestExecStatus and runInGuest. */
export const guestExec = (
  agent: QgaAgent,
  options: GuestExecOptions,
  callOptions?: QgaCallOptions,
): Effect.Effect<number, QgaError> =>
  runDecoded(
    agent,
    "guest-exec",
    {
      path: options.path,
      ...(options.args === undefined ? {} : { arg: options.args }),
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.input === undefined ? {} : { "input-data": toBase64(options.input) }),
      "capture-output": options.captureOutput ?? true,
    },
    Schema.Struct({ pid: Schema.Number }),
    callOptions,
  ).pipe(Effect.map((reply) => reply.pid))

const ExecStatusReply = Schema.Struct({
  exited: Schema.Boolean,
  exitcode: Schema.optionalKey(Schema.Number),
  signal: Schema.optionalKey(Schema.Number),
  outData: Schema.optionalKey(Schema.String),
  errData: Schema.optionalKey(Schema.String),
  outTruncated: Schema.optionalKey(Schema.Boolean),
  errTruncated: Schema.optionalKey(Schema.Boolean),
}).pipe(
  Schema.encodeKeys({
    outData: "out-data",
    errData: "err-data",
    outTruncated: "out-truncated",
    errTruncated: "err-truncated",
  }),
)

export interface GuestExecStatus {
  readonly exited: boolean
  readonly exitCode?: number
  /** Set when a signal ended the program. */
  readonly signal?: number
  readonly stdout: Buffer
  readonly stderr: Buffer
}

/** Whether the program has exited, and its output so far (the agent hands output over once, after exit). */
export const guestExecStatus = (
  agent: QgaAgent,
  pid: number,
  callOptions?: QgaCallOptions,
): Effect.Effect<GuestExecStatus, QgaError> =>
  runDecoded(agent, "guest-exec-status", { pid }, ExecStatusReply, callOptions).pipe(
    Effect.map((reply) => ({
      exited: reply.exited,
      ...(reply.exitcode === undefined ? {} : { exitCode: reply.exitcode }),
      ...(reply.signal === undefined ? {} : { signal: reply.signal }),
      stdout: Buffer.from(reply.outData ?? "", "base64"),
      stderr: Buffer.from(reply.errData ?? "", "base64"),
    })),
  )

/**
 * Runs a program in the guest to completion: guest-exec, then guest-exec-status every 50 ms until it exits.
 * A non-zero exit code is a result, not a failure. Fails with QgaTimeout after `timeoutMs` (default: the
 * "run:guest-exec" entry); the program keeps running in the guest.
 */
export const runInGuest = Effect.fn("Qga.runInGuest")(function* (
  agent: QgaAgent,
  options: GuestExecOptions,
  callOptions: QgaCallOptions = {},
): Effect.fn.Return<GuestExecStatus, QgaError> {
  const afterMs = callOptions.timeoutMs ?? agent.timeoutFor("run:guest-exec")
  const pid = yield* guestExec(agent, options)
  return yield* guestExecStatus(agent, pid).pipe(
    Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (status) => status.exited }),
    Effect.timeoutOrElse({
      duration: afterMs,
      orElse: () => Effect.fail(new QgaError({ reason: new QgaTimeout({ command: `run ${options.path}`, afterMs }) })),
    }),
  )
})

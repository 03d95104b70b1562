import { randomInt } from "node:crypto"
import { Effect, Schedule, type Scope } from "effect"
import { openJsonLineWire } from "../qmp/wire/json-line-wire.ts"
import { connectUnixSocket } from "../qmp/wire/unix-socket.ts"
import {
  QgaCommandError,
  QgaConnectFailed,
  QgaDisconnected,
  QgaError,
  QgaSyncFailed,
  QgaTimeout,
  QgaUnexpectedReply,
} from "./errors.ts"
import { type QgaTimeoutSettings, qgaTimeoutFor } from "./timeouts.ts"

export interface QgaCallOptions {
  /** Overrides the timeout table for this call. */
  readonly timeoutMs?: number
}

export interface AgentOptions {
  /** How long to keep trying the socket (default 5 s). */
  readonly connectTimeoutMs?: number
  /** How long to keep sending guest-sync until the agent answers (default 5 s; an agent still booting needs more). */
  readonly syncTimeoutMs?: number
  readonly timeouts?: QgaTimeoutSettings
}

export type QgaArguments = Readonly<Record<string, unknown>>

/** A synchronised guest-agent channel. */
export interface QgaAgent {
  readonly path: string
  /** Runs a command and returns the agent's `return` value as is; the typed commands decode it. */
  readonly execute: (command: string, args?: QgaArguments, options?: QgaCallOptions) => Effect.Effect<unknown, QgaError>
  readonly timeoutFor: (command: string) => number
  readonly isConnected: Effect.Effect<boolean>
}

const failWith = (reason: QgaError["reason"]) => Effect.fail(new QgaError({ reason }))

/**
 * Connects to the guest agent's chardev socket and synchronises with guest-sync: each attempt sends a fresh random
 * id and only the reply echoing it counts, so lines left in the channel by an earlier client are discarded.
 * Closing the scope closes the socket. Like QMP, the chardev serves one client at a time.
 */
export const connectAgent = Effect.fn("Qga.connectAgent")(function* (
  path: string,
  options: AgentOptions = {},
): Effect.fn.Return<QgaAgent, QgaError, Scope.Scope> {
  const socket = yield* connectUnixSocket(path, { timeoutMs: options.connectTimeoutMs ?? 5_000 }).pipe(
    Effect.mapError((error) => new QgaError({ reason: new QgaConnectFailed({ path, detail: error.detail }) })),
  )
  const wire = yield* openJsonLineWire(socket, { onMessage: () => {}, onClose: () => {} })
  const timeoutFor = (command: string) => qgaTimeoutFor(command, options.timeouts)

  const execute = (command: string, args?: QgaArguments, callOptions: QgaCallOptions = {}) => {
    const afterMs = callOptions.timeoutMs ?? timeoutFor(command)
    return wire.request(command, args).pipe(
      Effect.mapError((closed) => new QgaError({ reason: new QgaDisconnected({ command, detail: closed.detail }) })),
      Effect.flatMap((reply) =>
        reply.kind === "return"
          ? Effect.succeed(reply.value)
          : failWith(new QgaCommandError({ command, errorClass: reply.errorClass, desc: reply.desc })),
      ),
      Effect.timeoutOrElse({ duration: afterMs, orElse: () => failWith(new QgaTimeout({ command, afterMs })) }),
    )
  }

  const syncOnce = Effect.gen(function* () {
    const id = randomInt(1, 2 ** 31)
    const echoed = yield* execute("guest-sync", { id })
    if (echoed !== id) {
      return yield* failWith(new QgaUnexpectedReply({ command: "guest-sync", detail: `echoed ${echoed}, sent ${id}` }))
    }
  })
  const syncTimeoutMs = options.syncTimeoutMs ?? 5_000
  let lastProblem = "no attempt finished"
  yield* syncOnce.pipe(
    Effect.tapError((error) => Effect.sync(() => (lastProblem = error.message))),
    // A disconnect will not heal by asking again on the same socket.
    Effect.retry({
      schedule: Schedule.spaced("100 millis"),
      while: (error) => error.reason._tag !== "QgaDisconnected",
    }),
    Effect.timeoutOrElse({
      duration: syncTimeoutMs,
      orElse: () =>
        failWith(new QgaSyncFailed({ path, detail: `no answer within ${syncTimeoutMs} ms: ${lastProblem}` })),
    }),
    Effect.catchReason("QgaError", "QgaDisconnected", (reason) =>
      failWith(new QgaSyncFailed({ path, detail: `channel closed during guest-sync: ${reason.detail}` })),
    ),
  )

  return {
    path,
    execute,
    timeoutFor,
    isConnected: Effect.sync(() => wire.isOpen()),
  } satisfies QgaAgent
})

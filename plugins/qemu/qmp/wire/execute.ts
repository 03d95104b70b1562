import { Effect } from "effect"
import { QmpCommandError, QmpDisconnected, QmpError, QmpTimeout } from "../errors.ts"
import type { JsonLineWire } from "./json-line-wire.ts"

/** One QMP command on the wire, with its timeout, mapped to QmpError. */
export const executeOnWire = (
  wire: JsonLineWire,
  command: string,
  args: unknown,
  timeoutMs: number,
): Effect.Effect<unknown, QmpError> =>
  wire.request(command, args).pipe(
    Effect.mapError((closed) => new QmpError({ reason: new QmpDisconnected({ command, detail: closed.detail }) })),
    Effect.flatMap((reply) =>
      reply.kind === "return"
        ? Effect.succeed(reply.value)
        : Effect.fail(
            new QmpError({
              reason: new QmpCommandError({ command, errorClass: reply.errorClass, desc: reply.desc }),
            }),
          ),
    ),
    Effect.timeoutOrElse({
      duration: timeoutMs,
      orElse: () => Effect.fail(new QmpError({ reason: new QmpTimeout({ command, afterMs: timeoutMs }) })),
    }),
  )

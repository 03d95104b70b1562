import { Effect, Schema } from "effect"
import { QmpError, QmpUnexpectedReply } from "../errors.ts"
import type { CallOptions, QmpArguments, QmpMonitor } from "../monitor.ts"

/** Runs a command and decodes its reply; a reply of another shape fails with QmpUnexpectedReply. */
export const runDecoded = <A>(
  monitor: QmpMonitor,
  command: string,
  args: QmpArguments | undefined,
  reply: Schema.Decoder<A>,
  options?: CallOptions,
): Effect.Effect<A, QmpError> =>
  monitor
    .execute(command, args, options)
    .pipe(
      Effect.flatMap((value) =>
        Schema.decodeUnknownEffect(reply)(value).pipe(
          Effect.mapError(
            (issue) => new QmpError({ reason: new QmpUnexpectedReply({ command, detail: issue.message }) }),
          ),
        ),
      ),
    )

/** Runs a command whose reply is `{}`. */
export const runVoid = (
  monitor: QmpMonitor,
  command: string,
  args?: QmpArguments,
  options?: CallOptions,
): Effect.Effect<void, QmpError> => Effect.asVoid(monitor.execute(command, args, options))

/** Drops the keys whose value is undefined, so optional arguments are left out of the QMP message. */
export const definedOnly = (args: Record<string, unknown>): QmpArguments =>
  Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined))

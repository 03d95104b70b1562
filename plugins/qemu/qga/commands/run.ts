import { Effect, Schema } from "effect"
import type { QgaAgent, QgaArguments, QgaCallOptions } from "../agent.ts"
import { QgaError, QgaUnexpectedReply } from "../errors.ts"

/** Runs an agent command and decodes its reply; another shape fails with QgaUnexpectedReply. */
export const runDecoded = <A>(
  agent: QgaAgent,
  command: string,
  args: QgaArguments | undefined,
  reply: Schema.Decoder<A>,
  options?: QgaCallOptions,
): Effect.Effect<A, QgaError> =>
  agent
    .execute(command, args, options)
    .pipe(
      Effect.flatMap((value) =>
        Schema.decodeUnknownEffect(reply)(value).pipe(
          Effect.mapError(
            (issue) => new QgaError({ reason: new QgaUnexpectedReply({ command, detail: issue.message }) }),
          ),
        ),
      ),
    )

export const runVoid = (
  agent: QgaAgent,
  command: string,
  args?: QgaArguments,
  options?: QgaCallOptions,
): Effect.Effect<void, QgaError> => Effect.asVoid(agent.execute(command, args, options))

export const toBase64 = (data: string | Uint8Array): string =>
  (typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data)).toString("base64")

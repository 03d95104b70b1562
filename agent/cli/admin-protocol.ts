import { Cause, Effect, Exit, Schema } from "effect"
import { NotFound, StoreError } from "../../core/errors.ts"
import type { Store } from "../../core/store/ports.ts"
import { AdminRequest, runAdminCommand } from "./admin-commands.ts"
import { AdminError } from "./admin-lookup.ts"

/** What a command returned (as JSON would carry it), or why it could not be done. */
export type AdminReply =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly message: string }

const messageOf = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.squash(cause)
  if (failure instanceof AdminError) return failure.message
  if (failure instanceof NotFound) return `No ${failure.resource} ${failure.id}`
  if (failure instanceof StoreError) return `The database failed: ${failure.message}`
  return failure instanceof Error ? failure.message : String(failure)
}

/** Decodes a request (from the command line) and runs it; never fails, the reply says how it went. */
export const handleAdminRequest = (input: unknown): Effect.Effect<AdminReply, never, Store> =>
  Schema.decodeUnknownEffect(AdminRequest)(input).pipe(
    Effect.mapError((issue) => new AdminError({ message: `Not a valid admin command: ${issue.message}` })),
    Effect.flatMap(runAdminCommand),
    Effect.exit,
    Effect.map(
      (exit): AdminReply =>
        // The JSON round trip gives the printer plain values (dates as text), whatever the command returned.
        Exit.isSuccess(exit)
          ? { ok: true, result: JSON.parse(JSON.stringify(exit.value ?? null)) }
          : { ok: false, message: messageOf(exit.cause) },
    ),
  )

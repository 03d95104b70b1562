import { Effect, Schema } from "effect"
import type { QgaAgent, QgaCallOptions } from "../agent.ts"
import type { QgaError } from "../errors.ts"
import { runDecoded, runVoid, toBase64 } from "./run.ts"

/**
 * Sets a guest user's password (R11). `crypted: false` (the default) hands the plain text to chpasswd, which
 * hashes it; the agent wants it base64-encoded either way.
 */
export const guestSetUserPassword = (
  agent: QgaAgent,
  options: { readonly username: string; readonly password: string; readonly crypted?: boolean },
  callOptions?: QgaCallOptions,
) =>
  runVoid(
    agent,
    "guest-set-user-password",
    { username: options.username, password: toBase64(options.password), crypted: options.crypted ?? false },
    callOptions,
  )

/** Adds keys to ~user/.ssh/authorized_keys; `reset` replaces the file's keys instead (X5). */
export const guestSshAddAuthorizedKeys = (
  agent: QgaAgent,
  options: { readonly username: string; readonly keys: ReadonlyArray<string>; readonly reset?: boolean },
  callOptions?: QgaCallOptions,
) =>
  runVoid(
    agent,
    "guest-ssh-add-authorized-keys",
    { username: options.username, keys: options.keys, reset: options.reset ?? false },
    callOptions,
  )

export const guestSshGetAuthorizedKeys = (
  agent: QgaAgent,
  username: string,
  callOptions?: QgaCallOptions,
): Effect.Effect<ReadonlyArray<string>, QgaError> =>
  runDecoded(
    agent,
    "guest-ssh-get-authorized-keys",
    { username },
    Schema.Struct({ keys: Schema.Array(Schema.String) }),
    callOptions,
  ).pipe(Effect.map((reply) => reply.keys))

export const guestSshRemoveAuthorizedKeys = (
  agent: QgaAgent,
  options: { readonly username: string; readonly keys: ReadonlyArray<string> },
  callOptions?: QgaCallOptions,
) => runVoid(agent, "guest-ssh-remove-authorized-keys", { username: options.username, keys: options.keys }, callOptions)

import { Effect, Exit, Schema, type Scope } from "effect"
import type { QgaAgent, QgaCallOptions } from "../agent.ts"
import type { QgaError } from "../errors.ts"
import { runDecoded, runVoid, toBase64 } from "./run.ts"

/** fopen() modes: "r", "w", "a", "r+", … */
export type GuestFileMode = "r" | "w" | "a" | "r+" | "w+" | "a+"

export const guestFileOpen = (
  agent: QgaAgent,
  options: { readonly path: string; readonly mode?: GuestFileMode },
  callOptions?: QgaCallOptions,
): Effect.Effect<number, QgaError> =>
  runDecoded(agent, "guest-file-open", { path: options.path, mode: options.mode ?? "r" }, Schema.Number, callOptions)

export const guestFileClose = (agent: QgaAgent, handle: number, callOptions?: QgaCallOptions) =>
  runVoid(agent, "guest-file-close", { handle }, callOptions)

const ReadReply = Schema.Struct({ count: Schema.Number, bufB64: Schema.String, eof: Schema.Boolean }).pipe(
  Schema.encodeKeys({ bufB64: "buf-b64" }),
)

/** Reads up to `count` bytes (the agent's default is 4 KiB; it caps one read at 48 MiB). */
export const guestFileRead = (
  agent: QgaAgent,
  options: { readonly handle: number; readonly count?: number },
  callOptions?: QgaCallOptions,
): Effect.Effect<{ readonly data: Buffer; readonly eof: boolean }, QgaError> =>
  runDecoded(
    agent,
    "guest-file-read",
    options.count === undefined ? { handle: options.handle } : { handle: options.handle, count: options.count },
    ReadReply,
    callOptions,
  ).pipe(Effect.map((reply) => ({ data: Buffer.from(reply.bufB64, "base64"), eof: reply.eof })))

export const guestFileWrite = (
  agent: QgaAgent,
  options: { readonly handle: number; readonly data: string | Uint8Array },
  callOptions?: QgaCallOptions,
): Effect.Effect<number, QgaError> =>
  runDecoded(
    agent,
    "guest-file-write",
    { handle: options.handle, "buf-b64": toBase64(options.data) },
    Schema.Struct({ count: Schema.Number, eof: Schema.Boolean }),
    callOptions,
  ).pipe(Effect.map((reply) => reply.count))

/** Opens a guest file for the scope; it is closed (best effort) when the scope closes. */
export const openGuestFile = (
  agent: QgaAgent,
  path: string,
  mode: GuestFileMode,
): Effect.Effect<number, QgaError, Scope.Scope> =>
  Effect.acquireRelease(guestFileOpen(agent, { path, mode }), (handle) => Effect.ignore(guestFileClose(agent, handle)))

/** Writes a whole file in the guest (created or truncated). */
export const writeGuestFile = Effect.fn("Qga.writeGuestFile")(function* (
  agent: QgaAgent,
  path: string,
  data: string | Uint8Array,
): Effect.fn.Return<void, QgaError> {
  // The close is part of the work (it flushes, and may fail); only a failed write leaves the handle to clean up.
  yield* Effect.acquireUseRelease(
    guestFileOpen(agent, { path, mode: "w" }),
    (handle) => guestFileWrite(agent, { handle, data }).pipe(Effect.andThen(guestFileClose(agent, handle))),
    (handle, exit) => (Exit.isSuccess(exit) ? Effect.void : Effect.ignore(guestFileClose(agent, handle))),
  )
})

const readChunkBytes = 1024 * 1024

/** Reads a whole guest file, in 1 MiB requests. */
export const readGuestFile = Effect.fn("Qga.readGuestFile")(function* (
  agent: QgaAgent,
  path: string,
): Effect.fn.Return<Buffer, QgaError> {
  return yield* Effect.scoped(
    Effect.gen(function* () {
      const handle = yield* openGuestFile(agent, path, "r")
      const chunks: Array<Buffer> = []
      for (;;) {
        const { data, eof } = yield* guestFileRead(agent, { handle, count: readChunkBytes })
        chunks.push(data)
        if (eof || data.length === 0) return Buffer.concat(chunks)
      }
    }),
  )
})

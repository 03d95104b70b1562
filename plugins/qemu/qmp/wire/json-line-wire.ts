import { randomBytes } from "node:crypto"
import type * as net from "node:net"
import { Data, Effect, Predicate, type Scope } from "effect"
import { LineSplitter, parseJsonLine } from "./lines.ts"

/** A reply matched to its request: QEMU's `return` value, or its `error`. */
export type WireReply =
  | { readonly kind: "return"; readonly value: unknown }
  | { readonly kind: "error"; readonly errorClass: string; readonly desc: string }

export class WireClosed extends Data.TaggedError("WireClosed")<{ readonly detail: string }> {}

export interface WireHandlers {
  /** Every message that is not a reply: the QMP greeting, events. Called synchronously from the socket. */
  readonly onMessage: (message: Record<string, unknown>) => void
  /** The socket is gone; `byPeer` is false when our own scope closed it. Called once. */
  readonly onClose: (detail: string, byPeer: boolean) => void
  /** A reply nobody waits for any more (its request timed out, or it was left over from an earlier client). */
  readonly onStrayReply?: (message: Record<string, unknown>) => void
}

/**
 * Newline-delimited JSON requests over a socket, for QMP and the guest agent alike. Each request carries an id
 * unique to this connection (a random prefix, so replies left in a guest-agent channel by an earlier client never
 * match) and its reply is found by that id, whatever order replies come in.
 */
export interface JsonLineWire {
  readonly request: (execute: string, args?: unknown) => Effect.Effect<WireReply, WireClosed>
  readonly isOpen: () => boolean
}

type Resume = (result: Effect.Effect<WireReply, WireClosed>) => void

export const openJsonLineWire = (
  socket: net.Socket,
  handlers: WireHandlers,
): Effect.Effect<JsonLineWire, never, Scope.Scope> =>
  Effect.gen(function* () {
    const idPrefix = `hx-${randomBytes(4).toString("hex")}-`
    const pending = new Map<string, Resume>()
    const splitter = new LineSplitter()
    let nextId = 0
    let closedDetail: string | undefined
    let closingLocally = false
    let lastError = ""

    const dispatch = (line: string) => {
      const message = parseJsonLine(line)
      if (!Predicate.isObject(message)) return
      if (!("return" in message) && !("error" in message)) return handlers.onMessage(message)
      const id = typeof message.id === "string" ? message.id : ""
      const resume = pending.get(id)
      if (resume === undefined) return handlers.onStrayReply?.(message)
      pending.delete(id)
      resume(Effect.succeed(toReply(message)))
    }

    const markClosed = (detail: string, byPeer: boolean) => {
      if (closedDetail !== undefined) return
      closedDetail = detail
      const waiting = [...pending.values()]
      pending.clear()
      for (const resume of waiting) resume(Effect.fail(new WireClosed({ detail })))
      handlers.onClose(detail, byPeer)
    }

    socket.on("data", (chunk: Buffer) => {
      for (const line of splitter.push(chunk)) dispatch(line)
    })
    socket.on("error", (error) => {
      lastError = error.message
    })
    socket.on("close", () =>
      markClosed(closingLocally ? "closed by client" : lastError || "closed by peer", !closingLocally),
    )
    // A socket that closed between connect and here will not emit "close" again.
    if (socket.closed) markClosed("closed before the session started", true)

    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        closingLocally = true
        socket.destroy()
      }),
    )

    const request = (execute: string, args?: unknown) =>
      Effect.callback<WireReply, WireClosed>((resume) => {
        if (closedDetail !== undefined) return resume(Effect.fail(new WireClosed({ detail: closedDetail })))
        const id = `${idPrefix}${++nextId}`
        pending.set(id, resume)
        socket.write(`${JSON.stringify(args === undefined ? { execute, id } : { execute, arguments: args, id })}\n`)
        return Effect.sync(() => {
          pending.delete(id)
        })
      })

    return { request, isOpen: () => closedDetail === undefined }
  })

const toReply = (message: Record<string, unknown>): WireReply => {
  if (!("error" in message)) return { kind: "return", value: message.return }
  const error = Predicate.isObject(message.error) ? message.error : {}
  return {
    kind: "error",
    errorClass: typeof error.class === "string" ? error.class : "GenericError",
    desc: typeof error.desc === "string" ? error.desc : JSON.stringify(message.error),
  }
}

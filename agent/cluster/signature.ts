import { createHash, createHmac, timingSafeEqual } from "node:crypto"

/** The headers a forwarded request carries (#16); a request with none of them is an ordinary one. */
export const forwardHeaders = {
  caller: "x-hyperx-forward-caller",
  from: "x-hyperx-forward-from",
  at: "x-hyperx-forward-at",
  signature: "x-hyperx-forward-signature",
} as const

/** A forward older or newer than this (clocks of a cluster agree within seconds under NTP) is refused as stale. */
export const replayWindowMs = 30_000

/** What a forward's signature covers: who asks, what, with which body, when, and which agent sent it. */
export interface ForwardFacts {
  readonly method: string
  /** The path with its query string, as the receiving agent sees it. */
  readonly path: string
  readonly body: Uint8Array
  /** Milliseconds since the epoch. */
  readonly at: number
  /** The caller's user id: the receiving agent acts as this user. */
  readonly callerId: string
  /** The sending agent's host id. */
  readonly from: string
}

const sha256 = (body: Uint8Array) => createHash("sha256").update(body).digest("hex")

/** HMAC-SHA256 over method, path, body hash, timestamp, caller and sender, one per line, with the cluster secret. */
export const signForward = (secret: Buffer, f: ForwardFacts): string =>
  createHmac("sha256", secret)
    .update([f.method.toUpperCase(), f.path, sha256(f.body), String(f.at), f.callerId, f.from].join("\n"))
    .digest("hex")

export type ForwardCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly why: "bad-signature" | "stale" | "replayed" | "malformed" }

/**
 * Remembers the signatures seen within the replay window, so that a captured forward sent again is refused even
 * inside the window. Entries leave once the window has passed them.
 */
export class SeenForwards {
  readonly #seen = new Map<string, number>()

  /** True the first time a signature is offered within the window. */
  first(signature: string, at: number, now: number): boolean {
    for (const [s, expires] of this.#seen) if (expires < now) this.#seen.delete(s)
    if (this.#seen.has(signature)) return false
    this.#seen.set(signature, at + replayWindowMs)
    return true
  }
}

/** Checks a forward against the secret, the clock (`now`) and the signatures already seen. */
export const checkForward = (
  secret: Buffer,
  f: ForwardFacts,
  signature: string,
  now: number,
  seen: SeenForwards,
): ForwardCheck => {
  if (!/^[0-9a-f]{64}$/.test(signature) || !Number.isSafeInteger(f.at)) return { ok: false, why: "malformed" }
  const expected = Buffer.from(signForward(secret, f), "hex")
  if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) return { ok: false, why: "bad-signature" }
  if (Math.abs(now - f.at) > replayWindowMs) return { ok: false, why: "stale" }
  if (!seen.first(signature, f.at, now)) return { ok: false, why: "replayed" }
  return { ok: true }
}

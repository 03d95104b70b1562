import { Context, Effect, Layer } from "effect"
import type { Actor } from "../rules/context.ts"

/** How long a verified token is believed without asking the database again. */
export const verifiedTokenLifeMs = 1_000

/** More distinct tokens than this in one second and the cache starts over rather than grow. */
const maxEntries = 10_000

interface Entry {
  readonly actor: Actor
  /** The token's own expiry (null: none), still checked on every request. */
  readonly expiresAt: Date | null
  /** Until when (ms) the entry may be used. */
  readonly until: number
}

/**
 * G1, #14 bench/load: tokens verified in the last second, keyed by the SHA-256 of the secret (what the database
 * stores; never the secret itself). Every request carried one query for its token; under load that query was as
 * costly as the request's own. A token revoked (`hyperx admin token revoke`, another process) or a user whose role
 * changed is seen within verifiedTokenLifeMs; an expired token is refused at once. Failed lookups are not kept.
 */
export class VerifiedTokens extends Context.Service<
  VerifiedTokens,
  {
    readonly get: (hash: string, nowMs: number) => Entry | undefined
    readonly remember: (hash: string, actor: Actor, expiresAt: Date | null, nowMs: number) => void
    /** Forget a token at once (revoked through this agent's API). */
    readonly forget: (hash: string) => void
  }
>()("hyperx/core/auth/VerifiedTokens") {
  static readonly layer = Layer.sync(VerifiedTokens, () => {
    const entries = new Map<string, Entry>()
    return VerifiedTokens.of({
      get: (hash, nowMs) => {
        const entry = entries.get(hash)
        if (entry === undefined) return undefined
        if (entry.until > nowMs) return entry
        entries.delete(hash)
        return undefined
      },
      remember: (hash, actor, expiresAt, nowMs) => {
        if (entries.size >= maxEntries) entries.clear()
        entries.set(hash, { actor, expiresAt, until: nowMs + verifiedTokenLifeMs })
      },
      forget: (hash) => {
        entries.delete(hash)
      },
    })
  })
}

export const verifiedTokens = Effect.serviceOption(VerifiedTokens)

import { randomBytes, randomUUID } from "node:crypto"
import { Effect, Option, Schema } from "effect"
import { now } from "../operations/clock.ts"
import type { Actor } from "../rules/context.ts"
import { Store } from "../store/ports.ts"
import { hashToken } from "./secrets.ts"
import { verifiedTokens } from "./verified-tokens.ts"

/** No token, a malformed one, or one that does not exist, has expired or whose user is gone: all the same to callers. */
export class Unauthenticated extends Schema.TaggedError<Unauthenticated>()("Unauthenticated", {
  message: Schema.String,
}) {}

const prefix = "hx_"

/** Issue a token for a user; the secret is returned once and only its SHA-256 is stored. */
export const issueToken = Effect.fn("auth.issueToken")(function* (
  userId: string,
  name: string,
  expiresAt: Date | null = null,
) {
  const store = yield* Store
  yield* store.users.get(userId)
  const secret = `${prefix}${randomBytes(24).toString("base64url")}`
  const token = yield* store.apiTokens.insert({
    id: randomUUID(),
    userId,
    name,
    secretHash: hashToken(secret),
    createdAt: yield* now,
    lastUsedAt: null,
    expiresAt,
  })
  return { token, secret }
})

/** How stale a token's lastUsedAt may be: it is written at most once a minute per token. */
export const lastUsedPrecisionMs = 60_000

const refused = () => new Unauthenticated({ message: "A valid bearer token is required" })

/** Who a bearer secret belongs to; a token verified within the last second is not looked up again (VerifiedTokens). */
export const authenticate = Effect.fn("auth.authenticate")(function* (secret: string | undefined) {
  if (!secret?.startsWith(prefix) || secret.length > 200) return yield* refused()
  const hash = hashToken(secret)
  const at = yield* now
  const cache = Option.getOrUndefined(yield* verifiedTokens)
  const cached = cache?.get(hash, at.getTime())
  if (cached !== undefined) {
    if (cached.expiresAt !== null && cached.expiresAt <= at) return yield* refused()
    return cached.actor
  }
  const store = yield* Store
  const holder = yield* store.apiTokens.findHolder(hash)
  if (holder === undefined || (holder.expiresAt !== null && holder.expiresAt <= at)) return yield* refused()
  const actor: Actor = {
    userId: holder.userId,
    role: holder.role,
    companyId: holder.companyId,
    departmentId: holder.departmentId,
  }
  cache?.remember(hash, actor, holder.expiresAt, at.getTime())
  // lastUsedAt, coalesced: written when the recorded use is over a minute old, so a busy token costs one write a
  // minute (and only on the verifications the cache above lets through), never one per request. A failed write is
  // not the caller's problem.
  if (holder.lastUsedAt === null || at.getTime() - holder.lastUsedAt.getTime() >= lastUsedPrecisionMs) {
    yield* store.apiTokens.markUsed(holder.tokenId, at).pipe(Effect.ignore)
  }
  return actor
})

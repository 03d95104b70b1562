import { Effect } from "effect"
import { issueToken } from "../auth/tokens.ts"
import { verifiedTokens } from "../auth/verified-tokens.ts"
import { InvalidInput, NotFound } from "../errors.ts"
import type { ApiToken } from "../model/org.ts"
import { now } from "../operations/clock.ts"
import type { Actor } from "../rules/context.ts"
import { orgRules } from "../rules/org.ts"
import { checkRules } from "../rules/rule.ts"
import { Store } from "../store/ports.ts"
import { listUsers } from "./users.ts"

/** A token as the API shows it: never its secret, never its hash. */
export type TokenView = Omit<ApiToken, "secretHash">

const viewOf = ({ secretHash: _, ...token }: ApiToken): TokenView => token

/** G1: a user whose tokens the actor manages: themself, their department's users (admin), anyone (superadmin). */
const tokenUser = Effect.fn("org.tokenUser")(function* (actor: Actor, userId: string) {
  const store = yield* Store
  const user = yield* store.users.get(userId)
  yield* checkRules("org.token", orgRules["org.token"], { actor, user }).pipe(
    // Someone outside the actor's scope reads as not found, as every resource does (G1).
    Effect.catchTag("RuleViolation", () => Effect.fail(new NotFound({ resource: "user", id: userId }))),
  )
  return user
})

/** G1: the tokens of the users the actor manages (one user's with `userId`), newest first. */
export const listTokens = Effect.fn("org.listTokens")(function* (actor: Actor, userId?: string) {
  const store = yield* Store
  const users = userId === undefined ? yield* listUsers(actor) : [yield* tokenUser(actor, userId)]
  const tokens = yield* Effect.forEach(users, (user) => store.apiTokens.list({ userId: user.id }))
  return tokens
    .flat()
    .map(viewOf)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
})

/**
 * G1: a token for the actor (or a user they manage), with an optional lifetime in days or, for a portal's signed-in
 * user (#21), in seconds; the secret is shown once. It acts with its user's role and scope, like any other token.
 */
export const issueTokenFor = Effect.fn("org.issueToken")(function* (
  actor: Actor,
  input: {
    readonly name: string
    readonly userId?: string
    readonly expiresDays?: number
    readonly ttlSeconds?: number
  },
) {
  if (input.expiresDays !== undefined && input.ttlSeconds !== undefined) {
    return yield* new InvalidInput({ message: "Give expiresDays or ttlSeconds, not both" })
  }
  const user = yield* tokenUser(actor, input.userId ?? actor.userId)
  const at = yield* now
  const lifeMs =
    input.ttlSeconds !== undefined
      ? input.ttlSeconds * 1000
      : input.expiresDays !== undefined
        ? input.expiresDays * 86_400_000
        : undefined
  const expiresAt = lifeMs === undefined ? null : new Date(at.getTime() + lifeMs)
  const { token, secret } = yield* issueToken(user.id, input.name, expiresAt)
  return { token: viewOf(token), secret }
})

/** G1: revoke a token at once (its holder's next request is refused). */
export const revokeToken = Effect.fn("org.revokeToken")(function* (actor: Actor, id: string) {
  const store = yield* Store
  const token = yield* store.apiTokens.get(id)
  yield* tokenUser(actor, token.userId).pipe(
    Effect.catchTag("NotFound", () => Effect.fail(new NotFound({ resource: "token", id }))),
  )
  yield* store.apiTokens.remove(id)
  // This agent stops believing it at once; other agents within verifiedTokenLifeMs.
  const verified = yield* verifiedTokens
  if (verified._tag === "Some") verified.value.forget(token.secretHash)
  return viewOf(token)
})

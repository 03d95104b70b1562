/**
 * #21 portal sign-in: what a page hands an element to renew its short-lived token. The portal's backend mints the
 * token (`POST /api/v1/tokens {userId, ttlSeconds}` with an admin's token) and answers the secret, best with the
 * expiry the API gave (`token.expiresAt`) so the element renews before it, not on the first 401.
 */
export type TokenGrant = string | { readonly token: string; readonly expiresAt?: string | number | Date | null }

export type TokenProvider = () => Promise<TokenGrant>

/** Renew this long before the expiry: a fifth of the token's remaining life, at most a minute. */
const leadMs = (remainingMs: number): number => Math.min(60_000, remainingMs / 5)

/** Epoch ms of a `token-expires` value (ISO date or epoch ms); undefined when none or unreadable. */
export const expiryOf = (value: string | number | Date | null | undefined): number | undefined => {
  if (value === null || value === undefined || value === "") return undefined
  const ms =
    value instanceof Date ? value.getTime() : typeof value === "number" ? value : Number(value) || Date.parse(value)
  return Number.isFinite(ms) ? ms : undefined
}

/** When (ms from now) to ask for a fresh token, for a token that expires at `expiresAt`. */
export const renewalDelay = (expiresAt: number, nowMs: number): number => {
  const remaining = Math.max(0, expiresAt - nowMs)
  return Math.max(0, remaining - leadMs(remaining))
}

interface Fresh {
  readonly token: string
  readonly expiresAt: string
}

const inFlight = new WeakMap<TokenProvider, Promise<Fresh>>()

/**
 * The provider's answer as a token and an ISO expiry ("" when it gave none). Elements that share one provider and
 * ask at the same moment (their tokens expire together) share one call: the portal mints one token, not one each.
 */
export const askProvider = (provider: TokenProvider): Promise<Fresh> => {
  let pending = inFlight.get(provider)
  if (pending === undefined) {
    pending = provider()
      .then((grant) => {
        const token = typeof grant === "string" ? grant : grant.token
        const expiry = typeof grant === "string" ? undefined : expiryOf(grant.expiresAt)
        return { token, expiresAt: expiry === undefined ? "" : new Date(expiry).toISOString() }
      })
      .finally(() => inFlight.delete(provider))
    inFlight.set(provider, pending)
  }
  return pending
}

import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt } from "node:crypto"
import { Effect, Schema } from "effect"
import { type Keyring, openingKeys, type SealingKey } from "./sealing-keys.ts"

/**
 * R6 #16: a sealed VM secret this agent cannot open: it names a key the agent does not hold (`keyId`; null for a value
 * sealed before key ids, by some host's own key), or it does not open under the key it names (`damaged`). Nothing is
 * changed; the VM's owner can reset the password (R11), or the operator gives the agent the cluster secret that
 * sealed it.
 */
export class SecretUnreadable extends Schema.TaggedError<SecretUnreadable>()("SecretUnreadable", {
  reason: Schema.Literals(["unknown-key", "damaged"]),
  keyId: Schema.NullOr(Schema.String),
}) {
  override get message() {
    if (this.reason === "damaged") {
      const under = this.keyId === null ? "" : ` (key ${this.keyId})`
      return `The VM's sealed password${under} is damaged: reset the password`
    }
    const key = this.keyId === null ? "another host's own key (sealed before key ids)" : `key ${this.keyId}`
    return (
      `The VM's password was sealed under ${key}, which this agent does not hold: start every agent of the cluster ` +
      "with the same cluster secret (a host's older passwords open everywhere once its agent started so), or reset " +
      "the password"
    )
  }
}

const algorithm = "aes-256-gcm"

/**
 * VM passwords are encrypted at rest with AES-256-GCM; API tokens are only ever hashed. The sealed form
 * `v2.<key id>.<iv>.<tag>.<body>` names its key, so an agent knows at once whether it holds it; the prefix
 * `v2.<key id>` is authenticated too (GCM's additional data), so a value cannot be passed off under another id.
 */
export const sealSecret = (keyring: Keyring, plain: string): string => {
  const { id, key } = keyring.sealing
  const iv = randomBytes(12)
  const cipher = createCipheriv(algorithm, key, iv)
  cipher.setAAD(Buffer.from(`v2.${id}`))
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()])
  return ["v2", id, iv.toString("base64"), cipher.getAuthTag().toString("base64"), body.toString("base64")].join(".")
}

interface Envelope {
  readonly keyId: string | null
  readonly aad: Buffer | undefined
  readonly iv: string
  readonly tag: string
  readonly body: string
}

/** v2 names its key; v1 (`v1.<iv>.<tag>.<body>`, before key ids) was always sealed with the sealing host's own key. */
const envelopeOf = (sealed: string): Envelope | undefined => {
  const parts = sealed.split(".")
  const [version] = parts
  if (version === "v2" && parts.length === 5) {
    const [, keyId = "", iv = "", tag = "", body = ""] = parts
    return { keyId, aad: Buffer.from(`v2.${keyId}`), iv, tag, body }
  }
  if (version === "v1" && parts.length === 4) {
    const [, iv = "", tag = "", body = ""] = parts
    return { keyId: null, aad: undefined, iv, tag, body }
  }
  return undefined
}

const decipher = (key: SealingKey, envelope: Envelope): string => {
  const d = createDecipheriv(algorithm, key.key, Buffer.from(envelope.iv, "base64"))
  if (envelope.aad !== undefined) d.setAAD(envelope.aad)
  d.setAuthTag(Buffer.from(envelope.tag, "base64"))
  return Buffer.concat([d.update(Buffer.from(envelope.body, "base64")), d.final()]).toString("utf8")
}

/** Opens a sealed VM secret with the keyring's key that sealed it, or fails with SecretUnreadable (never garbage). */
export const openSecret = (keyring: Keyring, sealed: string): Effect.Effect<string, SecretUnreadable> =>
  Effect.suspend(() => {
    const envelope = envelopeOf(sealed)
    if (envelope === undefined) return Effect.fail(new SecretUnreadable({ reason: "damaged", keyId: null }))
    const { keyId } = envelope
    const key = keyId === null ? keyring.host : openingKeys(keyring).find((candidate) => candidate.id === keyId)
    if (key === undefined) return Effect.fail(new SecretUnreadable({ reason: "unknown-key", keyId }))
    return Effect.try({
      try: () => decipher(key, envelope),
      // A v1 value names no key: one that fails under this host's key was most likely sealed on another host.
      catch: () => new SecretUnreadable({ reason: keyId === null ? "unknown-key" : "damaged", keyId }),
    })
  })

export const hashToken = (secret: string): string => createHash("sha256").update(secret).digest("hex")

/** A random password meeting R11: upper and lower case letters and digits, one of each at least. */
export const randomPassword = (length = 16): string => {
  const sets = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789"]
  const all = sets.join("")
  const pick = (chars: string) => chars.charAt(randomInt(chars.length))
  const chars = [...sets.map(pick), ...Array.from({ length: Math.max(0, length - sets.length) }, () => pick(all))]
  // Sort by random keys so the guaranteed characters are not always first.
  return chars
    .map((c) => ({ c, key: randomInt(1 << 30) }))
    .sort((a, b) => a.key - b.key)
    .map(({ c }) => c)
    .join("")
}

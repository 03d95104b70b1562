import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt } from "node:crypto"

/**
 * VM passwords are encrypted at rest with AES-256-GCM; API tokens are only ever hashed.
 * The key comes from the agent's configuration (a file in its data folder), never from the database.
 */
export const encryptSecret = (key: Buffer, plain: string): string => {
  const iv = randomBytes(12)
  const cipher = createCipheriv("aes-256-gcm", key, iv)
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()])
  return ["v1", iv.toString("base64"), cipher.getAuthTag().toString("base64"), body.toString("base64")].join(".")
}

export const decryptSecret = (key: Buffer, sealed: string): string => {
  const [version, iv, tag, body] = sealed.split(".")
  if (version !== "v1" || !iv || !tag || body === undefined) throw new Error("not a sealed secret")
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"))
  decipher.setAuthTag(Buffer.from(tag, "base64"))
  return Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString("utf8")
}

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

import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto"

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

/** A random password meeting R11: upper and lower case letters and digits. */
export const randomPassword = (length = 16): string => {
  const sets = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789"]
  const all = sets.join("")
  const pick = (chars: string) => chars[randomBytes(1)[0]! % chars.length]!
  const chars = sets.map(pick)
  while (chars.length < length) chars.push(pick(all))
  // Shuffle so the guaranteed characters are not always first.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomBytes(1)[0]! % (i + 1)
    ;[chars[i], chars[j]] = [chars[j]!, chars[i]!]
  }
  return chars.join("")
}

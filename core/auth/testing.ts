import { createCipheriv, randomBytes } from "node:crypto"

/** A VM secret sealed as agents before key ids did (`v1.<iv>.<tag>.<body>`, the host's own key): the old format. */
export const sealV1 = (hostKey: Buffer, plain: string): string => {
  const iv = randomBytes(12)
  const cipher = createCipheriv("aes-256-gcm", hostKey, iv)
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()])
  return ["v1", iv.toString("base64"), cipher.getAuthTag().toString("base64"), body.toString("base64")].join(".")
}

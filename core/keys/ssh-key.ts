import { createHash, generateKeyPair as generateKeys } from "node:crypto"
import { promisify } from "node:util"

/** The key types an OpenSSH authorized_keys line may carry that we accept (dropbear and OpenSSH both read them). */
const keyTypes = ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"]

/** An SSH string: its length (4 bytes, big-endian) then its bytes. */
const sshString = (bytes: Buffer) => {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(bytes.length)
  return Buffer.concat([length, bytes])
}

/** An SSH mpint from an unsigned big-endian number: a leading zero byte when its top bit is set. */
const mpint = (unsigned: Buffer) =>
  sshString(unsigned[0] !== undefined && unsigned[0] & 0x80 ? Buffer.concat([Buffer.from([0]), unsigned]) : unsigned)

/** The key's OpenSSH fingerprint: SHA256 of the key blob, base64 without padding. */
const fingerprintOf = (blob: Buffer) =>
  `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`

export interface ParsedKey {
  /** "type base64" (the comment left out): the line written into authorized_keys. */
  readonly publicKey: string
  readonly fingerprint: string
}

/**
 * R13, X5: an imported public key, one OpenSSH line "type base64 [comment]"; undefined when it is not one (an unknown
 * type, a blob that is not base64, or a blob whose own type field names another type).
 */
export const parsePublicKey = (line: string): ParsedKey | undefined => {
  const [type, data] = line.trim().split(/\s+/)
  if (type === undefined || data === undefined || !keyTypes.includes(type)) return undefined
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return undefined
  const blob = Buffer.from(data, "base64")
  if (blob.length < 4) return undefined
  const nameLength = blob.readUInt32BE(0)
  if (blob.length < 4 + nameLength || blob.subarray(4, 4 + nameLength).toString("latin1") !== type) return undefined
  return { publicKey: `${type} ${data}`, fingerprint: fingerprintOf(blob) }
}

export interface GeneratedKey extends ParsedKey {
  /** PEM (PKCS#1 RSA), which OpenSSH's ssh and dropbear's dbclient read; shown once, never stored. */
  readonly privateKey: string
}

const rsa = promisify(generateKeys)

/**
 * R13, X5: a new RSA 3072 key pair; its public half in OpenSSH's format. Made off the event loop (libuv's pool): it
 * takes a second or more on a busy host, and the agent keeps answering meanwhile.
 */
export const generateKeyPair = async (): Promise<GeneratedKey> => {
  const { publicKey, privateKey } = await rsa("rsa", { modulusLength: 3072 })
  const jwk = publicKey.export({ format: "jwk" })
  const e = Buffer.from(jwk.e ?? "", "base64url")
  const n = Buffer.from(jwk.n ?? "", "base64url")
  const blob = Buffer.concat([sshString(Buffer.from("ssh-rsa")), mpint(e), mpint(n)])
  return {
    publicKey: `ssh-rsa ${blob.toString("base64")}`,
    fingerprint: fingerprintOf(blob),
    privateKey: privateKey.export({ format: "pem", type: "pkcs1" }).toString(),
  }
}

import { createHmac, hkdfSync } from "node:crypto"

/** An AES-256 key that seals VM secrets, and the short id a sealed value names it by. */
export interface SealingKey {
  readonly id: string
  readonly key: Buffer
}

/**
 * The keys an agent seals and opens VM secrets with (C5 R6 R11 #16): it seals under `sealing` (the cluster's key in a
 * cluster, else its host's) and opens what names any of them. `host` also opens values sealed before key ids (v1),
 * which only ever used the host's key; `previous`, the key of the cluster secret being rotated out, only opens.
 */
export interface Keyring {
  readonly sealing: SealingKey
  readonly host: SealingKey
  readonly previous: SealingKey | undefined
}

/**
 * A key's id: "h" (a host's own key) or "c" (derived from a cluster secret), then 8 bytes of HMAC-SHA256 under the key
 * itself. It tells keys apart and reveals nothing about them; base64url holds no "." (the envelope's separator).
 */
const keyIdOf = (kind: "h" | "c", key: Buffer) =>
  kind + createHmac("sha256", key).update("hyperx/sealing-key-id").digest().subarray(0, 8).toString("base64url")

/** The host's own key (the data folder's `secret.key`, 32 bytes). */
export const hostSealingKey = (key: Buffer): SealingKey => ({ id: keyIdOf("h", key), key })

/**
 * #16: the key every agent of a cluster derives from the cluster secret they share (HKDF-SHA256 with a purpose label,
 * so it never equals the key that signs forwarded requests); the cluster secret itself is never stored in the database.
 */
export const clusterSealingKey = (clusterSecret: Buffer): SealingKey => {
  const key = Buffer.from(hkdfSync("sha256", clusterSecret, "hyperx/cluster", "hyperx/vm-secrets/v2", 32))
  return { id: keyIdOf("c", key), key }
}

/** What the host's configuration holds: its own key, in a cluster the cluster's, and while rotating the old one's. */
export interface KeySource {
  readonly secretKey: Buffer
  readonly clusterKey?: SealingKey | undefined
  readonly previousClusterKey?: SealingKey | undefined
}

export const keyringOf = ({ secretKey, clusterKey, previousClusterKey }: KeySource): Keyring => {
  const host = hostSealingKey(secretKey)
  return { sealing: clusterKey ?? host, host, previous: previousClusterKey }
}

/** The keys a sealed value naming a key id may be under, the sealing key first. */
export const openingKeys = (keyring: Keyring): ReadonlyArray<SealingKey> =>
  keyring.previous === undefined ? [keyring.sealing, keyring.host] : [keyring.sealing, keyring.host, keyring.previous]

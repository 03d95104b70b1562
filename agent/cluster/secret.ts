import { readFileSync, statSync } from "node:fs"
import { clusterSealingKey, type SealingKey } from "../../core/auth/sealing-keys.ts"
import { StartError } from "../start/start-error.ts"

/** The shortest secret accepted: 32 characters (for example `openssl rand -hex 32` gives 64). */
export const minSecretLength = 32

/**
 * #16: the cluster's shared secret, read once at start from a file only its owner may read (0600, as ssh keys):
 * a secret other users could read would let them forge forwarded requests as any caller.
 */
export const readClusterSecret = (path: string): Buffer => {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat === undefined) throw new StartError(`The cluster secret file ${path} does not exist`)
  if ((stat.mode & 0o077) !== 0) {
    throw new StartError(
      `The cluster secret file ${path} may be read by others (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 it`,
    )
  }
  const secret = readFileSync(path, "utf8").trim()
  if (secret.length < minSecretLength) {
    throw new StartError(`The cluster secret in ${path} is shorter than ${minSecretLength} characters`)
  }
  return Buffer.from(secret, "utf8")
}

/**
 * #16: while the cluster secret is rotated, the old secret's sealing key (`--previous-cluster-secret-file`, read as the
 * secret itself is): the passwords sealed under it are re-sealed under the new one at start. It signs nothing.
 */
export const previousClusterKeyOf = (config: {
  readonly clusterSecretFile: string | undefined
  readonly previousClusterSecretFile: string | undefined
}): SealingKey | undefined => {
  if (config.previousClusterSecretFile === undefined) return undefined
  if (config.clusterSecretFile === undefined) {
    throw new StartError("--previous-cluster-secret-file needs --cluster-secret-file: the new secret to re-seal under")
  }
  return clusterSealingKey(readClusterSecret(config.previousClusterSecretFile))
}

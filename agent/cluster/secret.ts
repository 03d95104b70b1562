import { readFileSync, statSync } from "node:fs"
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

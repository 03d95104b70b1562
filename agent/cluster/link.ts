import { SeenForwards } from "./signature.ts"

/** What an agent of a cluster needs to forward requests and accept forwarded ones (#16). */
export interface ClusterLink {
  /** The cluster's shared secret (agent/cluster/secret.ts). */
  readonly secret: Buffer
  /** This agent's host id. */
  readonly hostId: string
  /** Signatures already accepted, for refusing replays within the window. */
  readonly seen: SeenForwards
  /** The clock forwards are stamped and checked with; Date.now unless a test sets it. */
  readonly now: () => number
}

export const makeClusterLink = (secret: Buffer, hostId: string, now: () => number = Date.now): ClusterLink => ({
  secret,
  hostId,
  seen: new SeenForwards(),
  now,
})

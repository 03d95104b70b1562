import { Effect, Result } from "effect"
import { HostConfig } from "../config.ts"
import { Store } from "../store/ports.ts"
import { keyringOf } from "./sealing-keys.ts"
import { openSecret, sealSecret } from "./secrets.ts"

/** What a re-sealing found: rewritten under the cluster's key, or left for the agent that holds their key. */
export interface Resealed {
  readonly resealed: number
  /** Sealed under a key this agent does not hold (another host's own key, or another cluster secret's), by key id. */
  readonly left: ReadonlyMap<string, number>
}

/**
 * #16 (C5, R6, R11): at the start of an agent in a cluster, the VM passwords this host sealed under its own key
 * (before it was in a cluster, or before key ids), and while the cluster secret is rotated every one sealed under the
 * old secret's key, are sealed again under the cluster's key, so every host opens them.
 * Each row is its own compare-and-set (VmSecretRepository.replace): a crash midway leaves the rest for the next start,
 * two agents re-sealing at once or a password reset meanwhile lose nothing, and a second run finds nothing to do.
 * Does nothing for a lone agent (it seals under its own key).
 */
export const resealVmSecrets = Effect.fn("auth.resealVmSecrets")(function* () {
  const config = yield* HostConfig
  const store = yield* Store
  if (config.clusterKey === undefined) return { resealed: 0, left: new Map() } satisfies Resealed
  const keyring = keyringOf(config)
  const rows = yield* store.vmSecrets.notSealedUnder(keyring.sealing.id)
  let resealed = 0
  const left = new Map<string, number>()
  for (const { vmId, sealed } of rows) {
    const opened = yield* Effect.result(openSecret(keyring, sealed))
    if (Result.isFailure(opened)) {
      const keyId = opened.failure.keyId ?? "v1"
      left.set(keyId, (left.get(keyId) ?? 0) + 1)
      continue
    }
    if (yield* store.vmSecrets.replace(vmId, sealed, sealSecret(keyring, opened.success))) resealed += 1
  }
  return { resealed, left } satisfies Resealed
})

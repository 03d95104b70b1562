import { Effect } from "effect"
import { resealVmSecrets } from "../../core/auth/reseal.ts"
import type { SealingKey } from "../../core/auth/sealing-keys.ts"

/**
 * #16: the start's re-sealing of VM passwords under the cluster's key, and what the operator reads of it: how many
 * moved, and the seals left under keys this agent lacks. Another host's own key ("h…", or "v1" before key ids) is
 * expected (that host re-seals its own when it starts); another cluster key ("c…") means this agent's cluster secret
 * is not the one that sealed them.
 */
export const resealAtStart = (clusterKey: SealingKey) =>
  Effect.map(resealVmSecrets(), ({ resealed, left }) => {
    const lines: Array<string> = []
    if (resealed > 0) lines.push(`Re-sealed ${resealed} VM password(s) under the cluster's key ${clusterKey.id}`)
    const foreign = [...left].filter(([keyId]) => keyId.startsWith("c"))
    if (foreign.length > 0) {
      const counts = foreign.map(([keyId, count]) => `${count} under ${keyId}`).join(", ")
      lines.push(
        `Warning: VM passwords sealed under another cluster key (${counts}; this agent's is ${clusterKey.id}): this ` +
          "agent cannot show or set them. Is its --cluster-secret-file the one the other agents use?",
      )
    }
    return lines
  })

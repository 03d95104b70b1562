import { Effect } from "effect"
import { Store } from "../../core/store/ports.ts"

/**
 * #16: what an agent started without a cluster secret tells its operator when other hosts use its database. It then
 * neither forwards requests about their VMs nor accepts theirs, and seals VM passwords under its own host's key, so
 * the cluster half works without a word. The start goes on: a secret is optional for an agent alone, and a host
 * being set up may start before its secret file is copied.
 */
export const secretlessClusterLines = (hostId: string) =>
  Effect.map(
    Store.use((store) => store.hosts.list()),
    (hosts) => {
      const others = hosts.filter((host) => host.id !== hostId)
      if (others.length === 0) return []
      return [
        `Warning: ${others.length} other host(s) use this database (${others.map((host) => host.name).join(", ")}), ` +
          "but this agent has no --cluster-secret-file: it neither forwards requests about their VMs nor accepts " +
          "theirs, and the VM passwords it seals open on this host only. Give every agent the same secret " +
          '(README, "Several agents, one per host").',
      ]
    },
  )

import { Effect } from "effect"
import { HostConfig } from "../config.ts"
import type { Vm } from "../model/vm.ts"
import { abortIncomingHere } from "../operations/migrate/incoming.ts"
import { MigrationPeers } from "../operations/migrate/peers.ts"
import { Store } from "../store/ports.ts"
import { hostNow } from "./membership.ts"

/**
 * R12 with R9 (#16, #17): a VM whose host went down during a live migration may already run on the migration's
 * target (switched over, the move not yet recorded by the source's agent). Before failover starts it anywhere else,
 * the target ends its incoming side, as the source's abort would: the target's own sweep would end it too, but up to
 * a sweep interval later, and meanwhile two copies would run on the same shared disks. A target that reads down
 * fenced itself: nothing runs there. Failover restarts only VMs whose disks are all shared, so no file was made for
 * the move. Fails if the target cannot be reached: failover then leaves the VM for its next round.
 */
export const endIncomingOf = Effect.fn("cluster.failover.endIncoming")(function* (vm: Vm) {
  if (vm.state !== "migrating") return
  const store = yield* Store
  const { hostId } = yield* HostConfig
  const open = yield* store.tasks.list({ vmId: vm.id, operations: ["vm.migrate"], states: ["queued", "running"] })
  for (const task of open) {
    if (task.targetId === null) continue
    const stored = yield* store.hosts.get(task.targetId).pipe(Effect.option)
    if (stored._tag === "None") continue
    const target = yield* hostNow(stored.value)
    if (target.state === "down") continue
    if (target.id === hostId) {
      yield* abortIncomingHere(vm.id, [])
      continue
    }
    // Unset, no host can be reached: no migration could have begun from here (see MigrationPeers).
    const peers = yield* MigrationPeers
    if (peers !== undefined) yield* peers.abort(target, vm.id, [])
  }
})

import { Effect } from "effect"
import { holdsCapacity } from "../cluster/host-usage.ts"
import { hostNow } from "../cluster/membership.ts"
import { ClusterSettings } from "../cluster/settings.ts"
import { Store } from "../store/ports.ts"
import type { HostLoad } from "./choose-host.ts"

/**
 * What every host that reads up now carries (a host whose heartbeat grew old reads suspect or down and is left
 * out): the VMs placed on it that hold capacity under the cluster's stopped-VM policy (ClusterSettings).
 */
export const hostLoads = Effect.fn("placement.hostLoads")(function* () {
  const store = yield* Store
  const { stoppedVms } = yield* ClusterSettings
  const loads: Array<HostLoad> = []
  for (const stored of yield* store.hosts.list({ state: "up" })) {
    const host = yield* hostNow(stored)
    if (host.state !== "up") continue
    const vms = (yield* store.vms.list({ hostId: host.id })).filter((vm) => holdsCapacity(vm, stoppedVms))
    loads.push({
      host,
      cpusUsed: vms.reduce((sum, vm) => sum + vm.cpus, 0),
      memoryMiBUsed: vms.reduce((sum, vm) => sum + vm.memoryMiB, 0),
    })
  }
  return loads
})

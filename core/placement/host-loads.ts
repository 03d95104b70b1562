import { Effect } from "effect"
import { Store } from "../store/ports.ts"
import type { HostLoad } from "./choose-host.ts"

/** What every up host carries now: the VMs placed on it, recycled ones excepted (they are powered off for good). */
export const hostLoads = Effect.fn("placement.hostLoads")(function* () {
  const store = yield* Store
  const hosts = yield* store.hosts.list({ state: "up" })
  const loads: Array<HostLoad> = []
  for (const host of hosts) {
    const vms = yield* store.vms.list({ hostId: host.id })
    loads.push({
      host,
      cpusUsed: vms.reduce((sum, vm) => sum + vm.cpus, 0),
      memoryMiBUsed: vms.reduce((sum, vm) => sum + vm.memoryMiB, 0),
    })
  }
  return loads
})

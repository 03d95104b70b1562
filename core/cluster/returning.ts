import { Effect } from "effect"
import { HostConfig } from "../config.ts"
import { DriverRegistry } from "../driver/registry.ts"
import { Store } from "../store/ports.ts"

/**
 * #16, R12: a host that comes back after it was read down must not run what the leader restarted elsewhere
 * meanwhile. On start, before anything else runs, every domain its hypervisors still run whose VM the records now
 * place on another host is powered off (a QEMU that outlived its agent, a hypervisor that kept running while only
 * the network was cut and fencing could not reach it). Its own VMs are recovery's business. Returns what it stopped.
 */
export const stopMovedAway = Effect.fn("cluster.stopMovedAway")(function* () {
  const store = yield* Store
  const registry = yield* DriverRegistry
  const { hostId } = yield* HostConfig
  const stopped: Array<string> = []
  for (const driver of registry.all) {
    for (const domain of yield* driver.list().pipe(Effect.orElseSucceed(() => []))) {
      if (domain.power === "stopped") continue
      const [vm] = yield* store.vms.list({ hostname: domain.name })
      if (vm === undefined || vm.hostId === null || vm.hostId === hostId) continue
      yield* driver.shutdown(domain.name, { force: true, timeoutMs: 0 }).pipe(
        Effect.andThen(Effect.sync(() => stopped.push(domain.name))),
        Effect.catch((error) => Effect.logError(`could not stop ${domain.name}, which now runs elsewhere`, error)),
      )
    }
  }
  return stopped
})

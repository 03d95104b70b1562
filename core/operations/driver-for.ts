import { Effect } from "effect"
import type { DriverError } from "../driver/errors.ts"
import { DriverRegistry } from "../driver/registry.ts"
import { NotFound } from "../errors.ts"
import type { Vm } from "../model/vm.ts"
import { Store } from "../store/ports.ts"

/** The driver of the host a VM is placed on. */
export const driverFor = Effect.fn("operations.driverFor")(function* (vm: Vm) {
  if (vm.hostId === null) return yield* new NotFound({ resource: "host", id: "(none)" })
  const store = yield* Store
  const registry = yield* DriverRegistry
  const host = yield* store.hosts.get(vm.hostId)
  return yield* registry.get(host.driver)
})

/** For power-off and undefine on the way to deletion: a domain the hypervisor does not know is already gone. */
export const ignoreMissing = <A, R>(effect: Effect.Effect<A, DriverError, R>) =>
  effect.pipe(
    Effect.asVoid,
    Effect.catchIf(
      (e) => e.reason._tag === "DomainNotFound",
      () => Effect.void,
    ),
  )

import { Effect } from "effect"
import { ownHostOnly } from "../cluster/peers.ts"
import type { DriverError } from "../driver/errors.ts"
import { DriverRegistry } from "../driver/registry.ts"
import { NotFound } from "../errors.ts"
import type { Operation } from "../model/operation.ts"
import type { Vm } from "../model/vm.ts"
import { Store } from "../store/ports.ts"

/**
 * Which driver each host runs, per store: a host's record names its driver when its agent starts, and that does not
 * change while the agent runs, so every operation after the first needs no read of it. Keyed by the store, so that
 * each agent (or test world) has its own.
 */
const driverNames = new WeakMap<Store["Service"], Map<string, string>>()

/**
 * The driver the host a VM is placed on runs, as this agent's registry has it: to read what it offers (its
 * capabilities), never to act on another host's VM. Acting goes through driverFor.
 */
export const driverOfHost = Effect.fnUntraced(function* driverOfHost(vm: Vm) {
  if (vm.hostId === null) return yield* new NotFound({ resource: "host", id: "(none)" })
  const store = yield* Store
  const registry = yield* DriverRegistry
  let names = driverNames.get(store)
  if (names === undefined) {
    names = new Map()
    driverNames.set(store, names)
  }
  const name = names.get(vm.hostId) ?? (yield* store.hosts.get(vm.hostId)).driver
  names.set(vm.hostId, name)
  return yield* registry.get(name)
})

/** The driver of the host a VM is placed on, to act on the VM: only this host's VMs (#16: others are forwarded). */
export const driverFor = Effect.fnUntraced(function* driverFor(vm: Vm, operation: Operation = "vm.reconcile") {
  if (vm.hostId === null) return yield* new NotFound({ resource: "host", id: "(none)" })
  yield* ownHostOnly(vm, operation)
  return yield* driverOfHost(vm)
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

import { Effect } from "effect"
import { EventBus } from "../events/bus.ts"
import type { Vm, VmState } from "../model/vm.ts"
import { Store } from "../store/ports.ts"
import { now } from "./clock.ts"

type Patch = Parameters<Store["Service"]["vms"]["update"]>[1]

/** Write a VM's new state (with any other fields) and announce the change. */
export const moveVm = Effect.fnUntraced(function* moveVm(
  vm: Vm,
  to: VmState,
  cause: "platform" | "outside" | "recovery",
  reason: string,
  patch: Patch = {},
  expectedVersion?: number,
) {
  const store = yield* Store
  const bus = yield* EventBus
  const moved = yield* store.vms.update(vm.id, { ...patch, state: to, stateReason: reason }, expectedVersion)
  if (vm.state !== to) {
    yield* bus.publish({
      _tag: "vm-state",
      companyId: vm.companyId,
      departmentId: vm.departmentId,
      ownerId: vm.ownerId,
      vmId: vm.id,
      from: vm.state,
      to,
      cause,
      reason,
      at: yield* now,
    })
  }
  return moved
})

export const scopeOf = (vm: Vm) => ({ companyId: vm.companyId, departmentId: vm.departmentId, ownerId: vm.ownerId })

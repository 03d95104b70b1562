import { Effect } from "effect"
import { EventBus } from "../events/bus.ts"
import type { Vm, VmState } from "../model/vm.ts"
import { Store } from "../store/ports.ts"
import { now } from "./clock.ts"

type Patch = Parameters<Store["Service"]["vms"]["update"]>[1]

/** Announce a VM's change of state (none when it stays where it was). */
export const announceMove = Effect.fnUntraced(function* announceMove(
  vm: Vm,
  from: VmState,
  to: VmState,
  cause: "platform" | "outside" | "recovery",
  reason: string,
) {
  if (from === to) return
  const bus = yield* EventBus
  yield* bus.publish({ _tag: "vm-state", ...scopeOf(vm), vmId: vm.id, from, to, cause, reason, at: yield* now })
})

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
  const moved = yield* store.vms.update(vm.id, { ...patch, state: to, stateReason: reason }, expectedVersion)
  yield* announceMove(vm, vm.state, to, cause, reason)
  return moved
})

export const scopeOf = (vm: Vm) => ({ companyId: vm.companyId, departmentId: vm.departmentId, ownerId: vm.ownerId })

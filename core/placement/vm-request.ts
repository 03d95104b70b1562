import { Effect } from "effect"
import type { Vm } from "../model/vm.ts"
import { Store } from "../store/ports.ts"
import type { PlacementRequest } from "./candidate.ts"

/** What placing an existing VM elsewhere asks for (R9's migration, R12's failover): its size, department and groups. */
export const vmPlacementRequest = Effect.fn("placement.vmRequest")(function* (vm: Vm) {
  const store = yield* Store
  const groups = yield* Effect.forEach(vm.affinityGroupIds, (id) => store.affinityGroups.get(id))
  const request: PlacementRequest = {
    cpus: vm.cpus,
    memoryMiB: vm.memoryMiB,
    count: 1,
    departmentId: vm.departmentId,
    dedicated: vm.dedicatedHost,
    groups: groups.map((g) => ({ id: g.id, policy: g.policy })),
  }
  return request
})

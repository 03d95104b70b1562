import { Effect } from "effect"
import type { Disk } from "../model/storage.ts"
import type { Vm } from "../model/vm.ts"
import { placementCandidates } from "../placement/candidates.ts"
import { place } from "../placement/place.ts"
import { vmPlacementRequest } from "../placement/vm-request.ts"
import { Store } from "../store/ports.ts"
import { ClusterSettings } from "./settings.ts"
import { poolOf } from "./storage-pool.ts"

/** The VM's disks that lie in its host's local pool: with any, it can run on no other host (R12, #16). */
export const localDisksOf = Effect.fn("cluster.localDisksOf")(function* (vm: Vm) {
  const store = yield* Store
  const { sharedStorageDir } = yield* ClusterSettings
  const disks: ReadonlyArray<Disk> = yield* store.disks.list({ vmId: vm.id })
  return disks.filter((d) => poolOf(d, sharedStorageDir) === "local")
})

/**
 * Where a VM whose host is gone may run now: placement over the hosts as they read now (a down host is excluded by
 * its state), with the VM's own flavor, department, dedicated-host choice and affinity groups. Used by the HA
 * restart (R12) and the start of a stopped VM whose host is down (#16).
 */
export const placeElsewhere = Effect.fn("cluster.placeElsewhere")(function* (vm: Vm) {
  return place(yield* placementCandidates(), yield* vmPlacementRequest(vm))
})

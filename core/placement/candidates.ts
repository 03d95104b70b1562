import { Effect } from "effect"
import { holdsCapacity } from "../cluster/host-usage.ts"
import { hostNow } from "../cluster/membership.ts"
import { ClusterSettings } from "../cluster/settings.ts"
import { isFreeForPassthrough } from "../devices/inventory.ts"
import { Store } from "../store/ports.ts"
import type { Candidate } from "./candidate.ts"

/**
 * Every registered host as placement sees it now (#16): its state from the heartbeat and the maintenance flag (so a
 * refusal can say which hosts were down or drained), what its VMs hold under the stopped-VM policy, the affinity
 * groups of those VMs (R10), and its free passthrough devices (X1, X4).
 */
export const placementCandidates = Effect.fn("placement.candidates")(function* (
  /** A VM left out of what holds its host (#16: a stopped VM asking whether it may start where it is). */
  without?: string,
) {
  const store = yield* Store
  const { stoppedVms } = yield* ClusterSettings
  const free = (yield* store.hostDevices.list()).filter(isFreeForPassthrough)
  const candidates: Array<Candidate> = []
  for (const stored of yield* store.hosts.list()) {
    const host = yield* hostNow(stored)
    const vms = (yield* store.vms.list({ hostId: host.id })).filter(
      (vm) => vm.id !== without && holdsCapacity(vm, stoppedVms),
    )
    const devices = free.filter((d) => d.hostId === host.id)
    candidates.push({
      host,
      state: host.state,
      cpusUsed: vms.reduce((sum, vm) => sum + vm.cpus, 0),
      memoryMiBUsed: vms.reduce((sum, vm) => sum + vm.memoryMiB, 0),
      gpusFree: devices.filter((d) => d.kind === "gpu").length,
      usbFree: devices.filter((d) => d.kind === "usb").length,
      networkIds: host.networkIds,
      groupIds: new Set(vms.flatMap((vm) => vm.affinityGroupIds)),
    })
  }
  return candidates
})

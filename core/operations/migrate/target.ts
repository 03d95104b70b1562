import { Effect } from "effect"
import { hostNow } from "../../cluster/membership.ts"
import type { Host, HostUsage } from "../../model/host.ts"
import type { Vm } from "../../model/vm.ts"
import { type Candidate, freeCpus, freeMemoryMiB } from "../../placement/candidate.ts"
import { placementCandidates } from "../../placement/candidates.ts"
import { place } from "../../placement/place.ts"
import { placementRefusal } from "../../placement/refusal.ts"
import { vmPlacementRequest } from "../../placement/vm-request.ts"
import { Store } from "../../store/ports.ts"

const usageOf = (c: Candidate): HostUsage => ({
  hostId: c.host.id,
  cpusUsed: c.cpusUsed,
  memoryMiBUsed: c.memoryMiBUsed,
  cpusFree: freeCpus(c),
  memoryMiBFree: freeMemoryMiB(c),
  gpusFree: c.gpusFree,
  usbFree: c.usbFree,
})

/**
 * R9: the host a migration goes to, with what it has free now (its state from the heartbeat): the caller's choice,
 * or the one placement chooses among the other hosts (C3's order: most free memory first; never a host dedicated
 * to another department). No host able to take the VM: the placement's refusal, naming what ruled each one out.
 */
export const migrationTarget = Effect.fn("migration.target")(function* (vm: Vm, hostId: string | undefined) {
  const store = yield* Store
  const candidates = yield* placementCandidates()
  if (hostId !== undefined) {
    const host: Host = yield* hostNow(yield* store.hosts.get(hostId))
    const candidate = candidates.find((c) => c.host.id === host.id)
    const usage =
      candidate === undefined
        ? { hostId, cpusUsed: 0, memoryMiBUsed: 0, cpusFree: 0, memoryMiBFree: 0, gpusFree: 0, usbFree: 0 }
        : usageOf(candidate)
    return { targetHost: host, targetUsage: usage }
  }
  const others = candidates.filter((c) => c.host.id !== vm.hostId)
  const placement = place(others, yield* vmPlacementRequest(vm))
  if (placement._tag === "Refused") return yield* placementRefusal("vm.migrate", placement)
  const chosen = others.find((c) => c.host.id === placement.host.id) as Candidate
  return { targetHost: placement.host, targetUsage: usageOf(chosen) }
})

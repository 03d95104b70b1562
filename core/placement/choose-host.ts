import type { Host } from "../model/host.ts"
import { type Candidate, freeCpus, freeMemoryMiB } from "./candidate.ts"
import { place } from "./place.ts"

export interface HostLoad {
  readonly host: Host
  readonly cpusUsed: number
  readonly memoryMiBUsed: number
}

export interface Demand {
  readonly cpus: number
  readonly memoryMiB: number
  /** How many VMs of this size must fit (C8: a batch is placed whole or not at all). */
  readonly count: number
  readonly departmentId: string
  readonly dedicated: boolean
}

/** Whether the host has room for the whole demand (C8: a batch fits whole or not at all). */
export const hostFits = (l: HostLoad, d: Pick<Demand, "cpus" | "memoryMiB" | "count">) =>
  freeCpus(l) >= d.cpus * d.count && freeMemoryMiB(l) >= d.memoryMiB * d.count

/** A load as a placement candidate that carries no devices, networks or groups (what create asks about today). */
export const loadCandidate = (l: HostLoad): Candidate => ({
  ...l,
  state: l.host.state,
  gpusFree: 0,
  usbFree: 0,
  networkIds: l.host.networkIds,
  groupIds: new Set(),
})

/** C3: the host `place` chooses for the demand among these loads, or undefined when none can take it. */
export const chooseHost = (loads: ReadonlyArray<HostLoad>, demand: Demand): Host | undefined => {
  const placement = place(loads.map(loadCandidate), demand)
  return placement._tag === "Placed" ? placement.host : undefined
}

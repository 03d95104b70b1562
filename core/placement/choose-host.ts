import type { Host } from "../model/host.ts"

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

const freeCpus = (l: HostLoad) => Math.floor((l.host.cpus * l.host.cpuOvercommitPercent) / 100) - l.cpusUsed
const freeMemory = (l: HostLoad) => l.host.memoryMiB - l.memoryMiBUsed
/** Whether the host has room for the whole demand (C8: a batch fits whole or not at all). */
export const hostFits = (l: HostLoad, d: Pick<Demand, "cpus" | "memoryMiB" | "count">) =>
  freeCpus(l) >= d.cpus * d.count && freeMemory(l) >= d.memoryMiB * d.count

/**
 * C3: the department's dedicated host when asked for and it has one; otherwise (or when it has none) the host
 * with the most free memory, then CPUs. Hosts dedicated to another department are never chosen.
 */
export const chooseHost = (loads: ReadonlyArray<HostLoad>, demand: Demand): Host | undefined => {
  const up = loads.filter((l) => l.host.state === "up" && hostFits(l, demand))
  const own = up.filter((l) => l.host.dedicatedDepartmentId === demand.departmentId)
  const shared = up.filter((l) => l.host.dedicatedDepartmentId === null)
  const pool = demand.dedicated && own.length > 0 ? own : shared.length > 0 ? shared : own
  const best = [...pool].sort((a, b) => freeMemory(b) - freeMemory(a) || freeCpus(b) - freeCpus(a))[0]
  return best?.host
}

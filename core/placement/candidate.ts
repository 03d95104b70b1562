import type { AffinityPolicy, Host, HostState } from "../model/host.ts"

/** One host as placement sees it: its record, its state now (heartbeat-derived) and what already holds it. */
export interface Candidate {
  readonly host: Host
  /** The state now, from the heartbeat's age and the maintenance flag (core/cluster/host-state.ts). */
  readonly state: HostState
  readonly cpusUsed: number
  readonly memoryMiBUsed: number
  readonly gpusFree: number
  readonly usbFree: number
  /** The networks this host carries (its bridges or VXLANs). */
  readonly networkIds: ReadonlyArray<string>
  /** The affinity groups of the VMs that hold capacity on this host. */
  readonly groupIds: ReadonlySet<string>
}

/** What a placement asks for: a batch of `count` VMs of one size, placed whole on one host (C8). */
export interface PlacementRequest {
  readonly cpus: number
  readonly memoryMiB: number
  readonly count: number
  readonly departmentId: string
  /** C3: "deploy to a dedicated host"; has no effect when the department has none. */
  readonly dedicated: boolean
  readonly zone?: string | undefined
  readonly gpus?: number | undefined
  readonly usb?: number | undefined
  readonly networkIds?: ReadonlyArray<string> | undefined
  /** R10: the VM's groups, each with its policy. */
  readonly groups?: ReadonlyArray<{ readonly id: string; readonly policy: AffinityPolicy }> | undefined
}

/** CPUs the host may still hand out: its cores times the overcommit ratio, less what its VMs hold. */
export const freeCpus = (c: Pick<Candidate, "host" | "cpusUsed">) =>
  Math.floor((c.host.cpus * c.host.cpuOvercommitPercent) / 100) - c.cpusUsed

/** Memory the host may still hand out: its memory times the memory overcommit ratio, less what its VMs hold. */
export const freeMemoryMiB = (c: Pick<Candidate, "host" | "memoryMiBUsed">) =>
  Math.floor((c.host.memoryMiB * c.host.memoryOvercommitPercent) / 100) - c.memoryMiBUsed

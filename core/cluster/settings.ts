import { Context } from "effect"
import { defaultTimeouts, type HeartbeatTimeouts } from "./host-state.ts"

/**
 * What holds a host's capacity besides its running VMs (always): "hold" (default, as before the cluster) counts
 * every VM placed on the host, stopped ones too, so a stopped VM can always start again where it is; "release"
 * counts only VMs that run or are on their way up or down, so a host of stopped VMs takes new ones, and a stopped
 * VM whose host filled up meanwhile must be placed again at its next start (#16, what is not built yet).
 */
export type StoppedVmPolicy = "hold" | "release"

/** The cluster's settings, the same on every agent; defaults apply when an agent provides none. */
export interface ClusterSettings {
  readonly timeouts: HeartbeatTimeouts
  readonly stoppedVms: StoppedVmPolicy
  /**
   * R12: the shared storage pool, a directory every host mounts at the same path (NFS, CephFS; a common directory in
   * tests). A disk whose file lies under it is in the shared pool, any other in its host's local pool; only a VM
   * whose disks are all shared can be restarted on another host when its own goes down.
   */
  readonly sharedStorageDir?: string | undefined
}

export const ClusterSettings = Context.Reference<ClusterSettings>("hyperx/core/cluster/ClusterSettings", {
  defaultValue: () => ({ timeouts: defaultTimeouts, stoppedVms: "hold" }),
})

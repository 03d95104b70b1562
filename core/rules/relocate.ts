import { stateNamesZh } from "../lifecycle/index.ts"
import type { Host } from "../model/host.ts"
import type { Vm } from "../model/vm.ts"
import type { VmRecordContext } from "./context.ts"
import { errorAdminOnly, notRecycled, vmBusy } from "./lifecycle.ts"
import { defineRule, type Rule } from "./rule.ts"

/** What starting a stopped VM elsewhere looks at: the VM, its host that reads down, and its disks in local pools. */
export interface RelocateContext extends VmRecordContext {
  /** The VM's host, which reads down. */
  readonly host: Host
  /** The names of the VM's disks outside the shared pool. */
  readonly localDisks: ReadonlyArray<string>
}

/**
 * #16, R12: a stopped VM whose host is down can start on another host only when every disk of it lies in the shared
 * pool; a local disk is on the host that is gone, so the VM waits for it.
 */
export const sharedStorageToMove: Rule<RelocateContext> = defineRule({
  name: "host-down-local-disks",
  features: ["R12"],
  kind: "conflict",
  message: ({ host, localDisks }) => ({
    en: `The VM's host ${host.name} is down and ${localDisks.join(", ")} lies in its local storage: the VM can start again only on that host, once it is back`,
    zh: `虚拟机所在主机 ${host.name} 已宕机，且 ${localDisks.join("、")} 位于该主机的本地存储：只能在该主机恢复后在其上启动`,
  }),
  allows: ({ localDisks }) => localDisks.length === 0,
})

/** #16, R12: a VM in a state that moves off a down host at its start (stopped-or-down). */
export const relocatable = (vm: Pick<Vm, "state">) => vm.state === "stopped" || vm.state === "error"

/**
 * #16, R12: what moves off a down host at its start: a stopped VM, or one failover recorded in error there (not HA:
 * "the others recorded down stay down until someone starts them"). A running one is the failover's.
 */
export const stoppedOrDown: Rule<RelocateContext> = defineRule({
  name: "stopped-or-down",
  features: ["R12"],
  kind: "conflict",
  message: ({ vm, host }) => ({
    en: `The VM is ${vm.state} on ${host.name}, which is down: only a stopped VM, or one recorded down with its host, starts elsewhere`,
    zh: `虚拟机在已宕机的主机 ${host.name} 上处于“${stateNamesZh[vm.state]}”状态：只有已关闭或随主机记为故障的虚拟机才能在其他主机上启动`,
  }),
  allows: ({ vm }) => relocatable(vm),
})

/** #16: the start of a stopped VM whose host is down moves it first (placement, then a start on the new host). */
export const relocateRules: ReadonlyArray<Rule<RelocateContext>> = [
  notRecycled,
  vmBusy,
  stoppedOrDown,
  errorAdminOnly,
  sharedStorageToMove,
]

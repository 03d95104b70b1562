import type { Host, HostDevice } from "../model/host.ts"
import type { Vm } from "../model/vm.ts"
import { freeCpus, freeMemoryMiB } from "../placement/candidate.ts"
import type { StoppedVmPolicy } from "./settings.ts"

/** Whether a VM holds its host's CPUs and memory under the policy; a VM in the recycle bin never does. */
export const holdsCapacity = (vm: Pick<Vm, "state" | "recycledAt">, policy: StoppedVmPolicy) =>
  vm.recycledAt === null && (policy === "hold" || (vm.state !== "stopped" && vm.state !== "error"))

/** What a host has, what its VMs hold and what is left, overcommit counted (the hosts API and placement). */
export const hostUsage = (
  host: Host,
  vms: ReadonlyArray<Pick<Vm, "state" | "recycledAt" | "cpus" | "memoryMiB">>,
  freeDevices: ReadonlyArray<Pick<HostDevice, "kind">>,
  policy: StoppedVmPolicy,
) => {
  const holding = vms.filter((vm) => holdsCapacity(vm, policy))
  const load = {
    host,
    cpusUsed: holding.reduce((sum, vm) => sum + vm.cpus, 0),
    memoryMiBUsed: holding.reduce((sum, vm) => sum + vm.memoryMiB, 0),
  }
  return {
    vmCount: vms.length,
    cpusTotal: Math.floor((host.cpus * host.cpuOvercommitPercent) / 100),
    memoryMiBTotal: Math.floor((host.memoryMiB * host.memoryOvercommitPercent) / 100),
    cpusUsed: load.cpusUsed,
    memoryMiBUsed: load.memoryMiBUsed,
    cpusFree: freeCpus(load),
    memoryMiBFree: freeMemoryMiB(load),
    gpusFree: freeDevices.filter((d) => d.kind === "gpu").length,
    usbFree: freeDevices.filter((d) => d.kind === "usb").length,
  }
}

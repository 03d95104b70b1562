import { Effect } from "effect"
import type { Host, HostUsage } from "../../model/host.ts"
import type { Vm } from "../../model/vm.ts"
import { type MigrateContext, migrateRules } from "../../rules/migrate.ts"
import type { VmCheck } from "../vm-operation.ts"

/**
 * Before a host is chosen, a stand-in target that every host rule allows (another host, up, shared, with room), so
 * that the preview weighs only the rules about the caller and the VM (superadmin-only, lifecycle-state, vm-busy,
 * migrate-no-passthrough) and reads nothing more: the chosen host's own rules are the call's.
 */
const standIn = (vm: Vm): { readonly targetHost: Host; readonly targetUsage: HostUsage } => ({
  targetHost: {
    id: "",
    name: "",
    zone: vm.zone,
    pod: vm.pod,
    address: "",
    driver: "",
    state: "up",
    cpus: vm.cpus,
    memoryMiB: vm.memoryMiB,
    cpuOvercommitPercent: 100,
    memoryOvercommitPercent: 100,
    networkIds: [],
    dedicatedDepartmentId: null,
    heartbeatAt: null,
    agentStoppedAt: null,
    createdAt: vm.createdAt,
  },
  targetUsage: {
    hostId: "",
    cpusUsed: 0,
    memoryMiBUsed: 0,
    cpusFree: vm.cpus,
    memoryMiBFree: vm.memoryMiB,
    gpusFree: 0,
    usbFree: 0,
  },
})

/** R9's preview for the detail's allowed actions (the migrate dialog's button). */
export const migrateCheck: VmCheck<"full", undefined, MigrateContext> = {
  operation: "vm.migrate",
  reads: "full",
  context: (base) => Effect.succeed({ ...base, ...standIn(base.vm) }),
  rules: migrateRules,
}

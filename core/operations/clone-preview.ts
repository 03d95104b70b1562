import { Effect } from "effect"
import { type CloneContext, cloneRules } from "../rules/clone.ts"
import { quotaContext } from "./quota-context.ts"
import type { VmCheck } from "./vm-operation.ts"

const nothingAsked = { cpus: 0, memoryMiB: 0, diskGiB: 0, vmCount: 0 } as const

/**
 * R8's preview for the detail's allowed actions (the clone dialog's button): the rules about the VM itself (recycled,
 * busy, domain join), as the VM stands. What a clone would take, the department's quota and one free address per
 * network, is judged by the call, as the new name is: reading the department's usage and its subnets' free counts
 * on every GET /vms/{id} cost about 2 ms of agent CPU per request and halved the agent's throughput (bench/load).
 */
export const cloneCheck: VmCheck<"full", undefined, CloneContext> = {
  operation: "vm.clone",
  reads: "full",
  context: (base) =>
    Effect.map(quotaContext(base.vm.departmentId, nothingAsked), (quota) => ({
      ...base,
      ...quota,
      name: base.vm.displayName,
      password: null,
      components: base.vm.components,
      subnets: [],
    })),
  rules: cloneRules,
}

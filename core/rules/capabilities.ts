import { defineRule, type Rule } from "./rule.ts"

/** What the driver of the VM's host declares, against what an action needs of it. */
export interface DriverCapabilityContext {
  readonly needed: string
  readonly declared: ReadonlySet<string>
}

/**
 * #21: an action needs a capability the driver of the VM's host declares (conformance/README: capabilities gate what
 * a driver offers). The preview weighs it (operations/capability-gate.ts); a call that reaches a driver without it
 * fails with the driver's Unsupported, answered as this rule's refusal (error-codes.ts: asRefusal).
 */
export const driverSupports: Rule<DriverCapabilityContext> = defineRule({
  name: "driver-unsupported",
  features: ["P1", "V4", "D4", "X3", "X4", "X2", "R9"],
  kind: "conflict",
  message: ({ needed }) => ({
    en: `The hypervisor of this VM's host does not support this (its driver does not declare ${needed})`,
    zh: `该虚拟机所在主机的虚拟化平台不支持此操作（驱动未声明 ${needed} 能力）`,
  }),
  allows: ({ needed, declared }) => declared.has(needed),
})

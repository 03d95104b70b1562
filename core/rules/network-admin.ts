import type { LayoutProblem } from "../ipam/pool.ts"
import type { NetworkKind } from "../model/network.ts"
import type { ActorContext } from "./platform.ts"
import { superadminOnly } from "./platform.ts"
import { defineRule, type Rule } from "./rule.ts"

/** An admin's new network (#15): its kind, department and subnet layout as judged by IPAM. */
export interface NetworkCreateContext extends ActorContext {
  readonly kind: NetworkKind
  readonly departmentId: string | null
  /** Why the subnet's layout cannot be a pool (poolProblems); empty when it can. */
  readonly layoutProblems: ReadonlyArray<LayoutProblem>
}

export interface NetworkDeleteContext extends ActorContext {
  readonly name: string
  readonly nicCount: number
}

/** G1, C6: a shared network belongs to no department; an isolated network or VPC subnet to exactly one. */
export const networkDepartment: Rule<NetworkCreateContext> = defineRule({
  name: "network-department",
  features: ["C6", "G1"],
  kind: "invalid",
  message: {
    en: "A shared network has no department; an isolated network or VPC subnet needs one",
    zh: "共享网络不属于任何部门；隔离网络或VPC子网必须指定部门",
  },
  allows: ({ kind, departmentId }) => (kind === "shared") === (departmentId === null),
})

/** C6: the subnet's gateway, range and reserved addresses lie inside its CIDR, the range in order. */
export const subnetLayout: Rule<NetworkCreateContext> = defineRule({
  name: "subnet-layout",
  features: ["C6"],
  kind: "invalid",
  message: ({ layoutProblems }) => ({
    en: `The subnet's layout is invalid: ${layoutProblems.map((problem) => problem.en).join("; ")}`,
    zh: `子网配置无效：${layoutProblems.map((problem) => problem.zh).join("；")}`,
  }),
  allows: ({ layoutProblems }) => layoutProblems.length === 0,
})

/** N6, C6: a network still used by a VM's NIC stays; remove it from those VMs first. */
export const networkUnused: Rule<NetworkDeleteContext> = defineRule({
  name: "network-in-use",
  features: ["N6", "C6"],
  kind: "conflict",
  message: ({ name, nicCount }) => ({
    en: `Network ${name} is used by ${nicCount} NIC(s); remove it from those VMs first`,
    zh: `网络 ${name} 仍被 ${nicCount} 个网卡使用，请先从这些虚拟机上删除该网络`,
  }),
  allows: ({ nicCount }) => nicCount === 0,
})

export const networkAdminRules = {
  create: [superadminOnly, networkDepartment, subnetLayout] as ReadonlyArray<Rule<NetworkCreateContext>>,
  delete: [superadminOnly, networkUnused] as ReadonlyArray<Rule<NetworkDeleteContext>>,
}

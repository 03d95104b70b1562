import type { Quota, QuotaUsage } from "../model/org.ts"
import { defineRule, type Message, type Rule } from "./rule.ts"

/** What an operation adds to its department's usage; negative parts (a smaller flavor) free quota. */
export interface QuotaDemand {
  readonly cpus: number
  readonly memoryMiB: number
  readonly diskGiB: number
  readonly vmCount: number
}

export const noDemand: QuotaDemand = { cpus: 0, memoryMiB: 0, diskGiB: 0, vmCount: 0 }

/** G2: the department's quota (null parts are unlimited), what it uses now, and what the operation adds. */
export interface QuotaContext {
  readonly quota: Quota
  readonly usage: QuotaUsage
  readonly demand: QuotaDemand
}

type Resource = keyof QuotaDemand

const resourceNames: Record<Resource, Message> = {
  cpus: { en: "CPU", zh: "CPU" },
  memoryMiB: { en: "memory (MiB)", zh: "内存（MiB）" },
  diskGiB: { en: "disk (GiB)", zh: "磁盘（GiB）" },
  vmCount: { en: "VM count", zh: "虚拟机数量" },
}

const limitOf = (quota: Quota, resource: Resource): number | null => quota[resource]

/** Whether the demand fits what is left; with nothing asked (or quota freed) it always fits (C8: whole batch). */
export const fitsQuota = (context: QuotaContext, resource: Resource): boolean => {
  const limit = limitOf(context.quota, resource)
  const asked = context.demand[resource]
  return limit === null || asked <= 0 || context.usage[resource] + asked <= limit
}

const quotaRule = (name: string, resource: Resource): Rule<QuotaContext> =>
  defineRule({
    name,
    features: ["G2", "C7", "C8"],
    kind: "conflict",
    message: (context) => {
      const left = Math.max(0, (limitOf(context.quota, resource) ?? 0) - context.usage[resource])
      const asked = context.demand[resource]
      const what = resourceNames[resource]
      return {
        en: `The department's ${what.en} quota is exceeded: ${asked} needed, ${left} left`,
        zh: `部门${what.zh}配额不足：需要 ${asked}，剩余 ${left}`,
      }
    },
    allows: (context) => fitsQuota(context, resource),
  })

export const quotaCpus = quotaRule("quota-cpus", "cpus")
export const quotaMemory = quotaRule("quota-memory", "memoryMiB")
export const quotaDisk = quotaRule("quota-disk", "diskGiB")
export const quotaVmCount = quotaRule("quota-vm-count", "vmCount")

/** All four, in the order the create wizard shows them (C7). */
export const quotaRules: ReadonlyArray<Rule<QuotaContext>> = [quotaCpus, quotaMemory, quotaDisk, quotaVmCount]

import type { Tags } from "../model/common.ts"

/** The resource tags batch names are made of (C1: "应用组-应用角色" + "顺序编号" + "应用类型" + "-公司序号"). */
export const nameTagKeys = ["app-group", "app-role", "app-type"] as const

/** Letters (any script, so Chinese too), digits, underscore and hyphen: what a tag may add to a name. */
const tagValuePattern = /^[\p{L}\p{N}_-]{1,20}$/u

/** Whether the tags can name VMs: all three present, each a short word. */
export const hasNameTags = (tags: Tags | undefined): boolean =>
  tags !== undefined && nameTagKeys.every((key) => tagValuePattern.test(tags[key] ?? ""))

/** Sequence numbers have at least two digits so the first 99 sort in order; wider numbers grow as needed. */
const sequence = (n: number): string => String(n).padStart(2, "0")

/**
 * C1: names for `count` new VMs, numbered after the `existingCount` VMs that already carry the same
 * "app-group-app-role" prefix, e.g. web-nginx01prod-007. Undefined when the tags cannot name VMs.
 */
export const batchNames = (
  tags: Tags | undefined,
  count: number,
  companyNumber: string,
  existingCount: number,
): ReadonlyArray<string> | undefined => {
  if (tags === undefined || !hasNameTags(tags)) return undefined
  const [group, role, type] = nameTagKeys.map((key) => tags[key] ?? "")
  return Array.from(
    { length: count },
    (_, index) => `${group}-${role}${sequence(existingCount + index + 1)}${type}-${companyNumber}`,
  )
}

/** The prefix the store counts existing VMs by, to continue the sequence (VmFilter.displayNamePrefix). */
export const batchNamePrefix = (tags: Tags): string => `${tags["app-group"] ?? ""}-${tags["app-role"] ?? ""}`

/** C4: the CPU topology of a VM with `cpus` CPUs. */
export interface CpuTopology {
  readonly sockets: number
  readonly coresPerSocket: number
}

/**
 * C4 "auto": sockets = CPUs ÷ 8 when 8 divides the count, else ÷ 4, else ÷ 2 (each socket then has 8, 4 or 2
 * cores); an odd count gets one socket. 16 → 2×8, 12 → 3×4, 6 → 3×2, 4 → 1×4, 3 → 1×3.
 */
export const autoSockets = (cpus: number): CpuTopology => {
  const cores = [8, 4, 2].find((divisor) => cpus % divisor === 0)
  return cores === undefined ? { sockets: 1, coresPerSocket: cpus } : { sockets: cpus / cores, coresPerSocket: cores }
}

/** K4 and C4: sockets chosen by hand (they divide the CPUs, see sockets-divide-cpus) or auto. */
export const cpuTopology = (cpus: number, sockets: number | "auto" | undefined): CpuTopology =>
  sockets === undefined || sockets === "auto" ? autoSockets(cpus) : { sockets, coresPerSocket: cpus / sockets }

import type { Message } from "../rules/rule.ts"
import { type Candidate, freeCpus, freeMemoryMiB, type PlacementRequest } from "./candidate.ts"

/** What placement knows beyond one host: whether the department owns dedicated hosts (C3). */
export interface PlacementSetting {
  readonly departmentHasDedicated: boolean
}

/**
 * One thing a host must satisfy to take the request. `rule` is the name a refusal carries when this constraint
 * rules out the last hosts left; `admits` is pure.
 */
export interface Constraint {
  readonly rule: string
  readonly features: ReadonlyArray<string>
  /** What this constraint checks, in a refusal's list ("capacity ruled out h1, h2"). */
  readonly label: Message
  readonly admits: (candidate: Candidate, request: PlacementRequest, setting: PlacementSetting) => boolean
  /** False when the request asks nothing of this kind (no zone, no network…): the constraint is skipped. */
  readonly appliesTo?: (request: PlacementRequest) => boolean
}

const hostUp: Constraint = {
  rule: "no-host-up",
  features: ["C3", "R12"],
  label: { en: "state (maintenance, suspect or down)", zh: "主机状态（维护、疑似故障或故障）" },
  admits: (c) => c.state === "up",
}

const zone: Constraint = {
  rule: "no-host-in-zone",
  features: ["C3", "D2"],
  label: { en: "zone", zh: "资源域" },
  admits: (c, r) => r.zone === undefined || c.host.zone === r.zone,
  appliesTo: (r) => r.zone !== undefined,
}

/**
 * C3: a host dedicated to another department is never used; "deploy to a dedicated host" places only on the
 * department's own dedicated hosts when it has any, and has no effect when it has none (the manual's note).
 */
const dedicated: Constraint = {
  rule: "no-dedicated-host",
  features: ["C3"],
  label: { en: "dedicated hosts", zh: "专用主机" },
  admits: (c, r, s) => {
    const owner = c.host.dedicatedDepartmentId
    if (owner !== null && owner !== r.departmentId) return false
    return !(r.dedicated && s.departmentHasDedicated) || owner === r.departmentId
  },
}

const networks: Constraint = {
  rule: "no-host-network",
  features: ["C4", "N1"],
  label: { en: "networks", zh: "网络" },
  admits: (c, r) => (r.networkIds ?? []).every((id) => c.networkIds.includes(id)),
  appliesTo: (r) => (r.networkIds ?? []).length > 0,
}

const devices: Constraint = {
  rule: "no-host-device",
  features: ["X1", "X4"],
  label: { en: "free GPU/USB devices", zh: "空闲 GPU/USB 设备" },
  admits: (c, r) => c.gpusFree >= (r.gpus ?? 0) * r.count && c.usbFree >= (r.usb ?? 0) * r.count,
  appliesTo: (r) => (r.gpus ?? 0) > 0 || (r.usb ?? 0) > 0,
}

/** R10 affinity: where the group already has VMs, the new one joins them (a group with none yet goes anywhere). */
const affinity = (placedGroups: ReadonlySet<string>): Constraint => ({
  rule: "affinity-group",
  features: ["C3", "R10"],
  label: { en: "affinity groups", zh: "亲和组" },
  admits: (c, r) =>
    (r.groups ?? []).every((g) => g.policy !== "affinity" || !placedGroups.has(g.id) || c.groupIds.has(g.id)),
  appliesTo: (r) => (r.groups ?? []).some((g) => g.policy === "affinity"),
})

/** R10 anti-affinity: never beside a member of the group; a batch of several lands on one host, so it cannot. */
const antiAffinity: Constraint = {
  rule: "anti-affinity-group",
  features: ["C3", "C8", "R10"],
  label: { en: "anti-affinity groups", zh: "反亲和组" },
  admits: (c, r) =>
    (r.groups ?? []).every((g) => g.policy !== "anti-affinity" || (r.count === 1 && !c.groupIds.has(g.id))),
}

const capacity: Constraint = {
  rule: "no-host-capacity",
  features: ["C3", "C8"],
  label: { en: "capacity", zh: "资源容量" },
  admits: (c, r) => freeCpus(c) >= r.cpus * r.count && freeMemoryMiB(c) >= r.memoryMiB * r.count,
}

/** The constraints that apply to a request, in the order a refusal reports them; the cheap and coarse ones first. */
export const constraintsFor = (request: PlacementRequest, placedGroups: ReadonlySet<string>): Array<Constraint> =>
  [hostUp, zone, dedicated, networks, devices, affinity(placedGroups), antiAffinity, capacity].filter(
    (c) => c.appliesTo === undefined || c.appliesTo(request),
  )

import type { Host } from "../model/host.ts"
import type { ActorContext } from "./platform.ts"
import { superadminOnly } from "./platform.ts"
import { defineRule, type Rule } from "./rule.ts"

/** What maintenance on/off looks at: who asks, the host as stored, and which way. */
export interface MaintenanceContext extends ActorContext {
  readonly host: Host
  readonly on: boolean
}

export const hostNotInMaintenance: Rule<MaintenanceContext> = defineRule({
  name: "host-already-in-maintenance",
  features: ["R12"],
  kind: "conflict",
  message: ({ host }) => ({
    en: `Host ${host.name} is already in maintenance`,
    zh: `主机 ${host.name} 已处于维护状态`,
  }),
  allows: ({ host, on }) => !on || host.state !== "maintenance",
})

export const hostInMaintenance: Rule<MaintenanceContext> = defineRule({
  name: "host-not-in-maintenance",
  features: ["R12"],
  kind: "conflict",
  message: ({ host }) => ({
    en: `Host ${host.name} is not in maintenance`,
    zh: `主机 ${host.name} 未处于维护状态`,
  }),
  allows: ({ host, on }) => on || host.state === "maintenance",
})

/** #16: only a superadmin drains a host or brings it back; turning on twice, or off when not on, is refused. */
export const maintenanceRules: ReadonlyArray<Rule<MaintenanceContext>> = [
  superadminOnly,
  hostNotInMaintenance,
  hostInMaintenance,
]

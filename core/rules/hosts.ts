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

/** X1–X4: what a host's inventory looks at: who asks, the host, and which host this agent runs on. */
export interface InventoryContext extends ActorContext {
  readonly host: Host
  readonly localHostId: string
}

/** X1–X4: sysfs is read on the host itself; another host's agent refreshes its own inventory. */
export const inventoryOnOwnHost: Rule<InventoryContext> = defineRule({
  name: "inventory-on-own-host",
  features: ["X1", "X4"],
  kind: "conflict",
  message: ({ host }) => ({
    en: `Host ${host.name}'s devices are read by its own agent; ask it there`,
    zh: `主机 ${host.name} 的设备由其自身的代理读取，请在该主机上操作`,
  }),
  allows: ({ host, localHostId }) => host.id === localHostId,
})

/** X1–X4: a superadmin ("设备管理->外部设备") refreshes a host's device list. */
export const inventoryRules: ReadonlyArray<Rule<InventoryContext>> = [superadminOnly, inventoryOnOwnHost]

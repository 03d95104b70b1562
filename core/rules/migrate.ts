import type { Host, HostUsage } from "../model/host.ts"
import type { VmContext, VmRecordContext } from "./context.ts"
import { lifecycleState, notRecycled, vmBusy } from "./lifecycle.ts"
import { superadminOnly } from "./platform.ts"
import { defineRule, type Rule } from "./rule.ts"

/** R9: live migration to a chosen host ("迁移到指定的其他可用主机上"). */
export interface MigrateContext extends VmContext {
  readonly targetHost: Host
  readonly targetUsage: HostUsage
}

export const migrateOtherHost: Rule<MigrateContext> = defineRule({
  name: "migrate-other-host",
  features: ["R9"],
  kind: "invalid",
  message: { en: "The VM already runs on this host", zh: "虚拟机已在该主机上运行，请选择其他主机" },
  allows: ({ vm, targetHost }) => vm.hostId !== targetHost.id,
})

/** A host's state as the Chinese portal names it (ui-widgets' host list). */
const hostStatesZh = { up: "正常", suspect: "疑似故障", down: "宕机", maintenance: "维护中" } as const

export const hostUp: Rule<MigrateContext> = defineRule({
  name: "host-up",
  features: ["R9"],
  kind: "conflict",
  message: ({ targetHost }) => ({
    en: `Host ${targetHost.name} is not available (${targetHost.state})`,
    zh: `主机 ${targetHost.name} 当前不可用（${hostStatesZh[targetHost.state]}）`,
  }),
  allows: ({ targetHost }) => targetHost.state === "up",
})

/** C3, R9: a host dedicated to a department takes only that department's VMs. */
export const hostDedicated: Rule<MigrateContext> = defineRule({
  name: "host-dedicated",
  features: ["R9", "C3"],
  kind: "conflict",
  message: ({ targetHost }) => ({
    en: `Host ${targetHost.name} is dedicated to another department`,
    zh: `主机 ${targetHost.name} 为其他部门的专用主机`,
  }),
  allows: ({ vm, targetHost }) =>
    targetHost.dedicatedDepartmentId === null || targetHost.dedicatedDepartmentId === vm.departmentId,
})

export const hostCapacity: Rule<MigrateContext> = defineRule({
  name: "host-capacity",
  features: ["R9"],
  kind: "conflict",
  message: ({ targetHost, targetUsage, vm }) => ({
    en: `Host ${targetHost.name} lacks room: ${vm.cpus} CPUs and ${vm.memoryMiB} MiB needed, ${targetUsage.cpusFree} and ${targetUsage.memoryMiBFree} free`,
    zh: `主机 ${targetHost.name} 资源不足：需要 ${vm.cpus} 核CPU、${vm.memoryMiB} MiB内存，可用 ${targetUsage.cpusFree} 核、${targetUsage.memoryMiBFree} MiB`,
  }),
  allows: ({ vm, targetUsage }) => targetUsage.cpusFree >= vm.cpus && targetUsage.memoryMiBFree >= vm.memoryMiB,
})

/** R9: a passthrough GPU or USB device is bound to its host; live migration cannot carry it. */
export const migrateNoPassthrough: Rule<MigrateContext> = defineRule({
  name: "migrate-no-passthrough",
  features: ["R9", "X1", "X4"],
  kind: "conflict",
  message: {
    en: "A VM with a GPU or USB device attached cannot be live-migrated; detach the devices first",
    zh: "挂载了GPU或USB的虚拟机不支持热迁移，请先卸载外接设备",
  },
  allows: ({ facts }) => facts.gpus === 0 && facts.usbDevices === 0,
})

/** R9: "迁移虚拟机的功能只针对超级管理员开放；当且仅当虚拟机处于“运行”状态时". */
export const migrateRules: ReadonlyArray<Rule<MigrateContext>> = [
  superadminOnly,
  notRecycled,
  vmBusy,
  lifecycleState("migrate"),
  migrateOtherHost,
  hostUp,
  hostDedicated,
  hostCapacity,
  migrateNoPassthrough,
]

/** R9: only a migration that runs can be cancelled. */
export const migrationRunning: Rule<VmRecordContext> = defineRule({
  name: "migration-running",
  features: ["R9"],
  kind: "conflict",
  message: ({ vm }) => ({
    en: `No migration of this VM runs (it is ${vm.state})`,
    zh: "该虚拟机当前没有正在进行的迁移",
  }),
  allows: ({ vm }) => vm.state === "migrating",
})

/** R9: cancelling a live migration: a superadmin, while it runs; the VM keeps running on its host. */
export const migrateCancelRules: ReadonlyArray<Rule<VmRecordContext>> = [superadminOnly, migrationRunning]

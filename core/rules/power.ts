import type { VmContext } from "./context.ts"
import { errorAdminOnly, lifecycleState, notRecycled, recycledOnly, vmBusy } from "./lifecycle.ts"
import { adminOnly, superadminOnly } from "./platform.ts"
import { defineRule, type Rule } from "./rule.ts"

export interface PowerContext extends VmContext {
  /** Part of a batch (L7). */
  readonly batch: boolean
  /** B6: also detach the VM's external devices (USB, GPU, ISO) when it stops. */
  readonly detachDevices: boolean
}

export type PowerOperation =
  | "start"
  | "stop"
  | "force-stop"
  | "reboot"
  | "force-reboot"
  | "delete"
  | "destroy"
  | "restore"
  | "purge"

/** B4, R7: "删除虚拟机前，要确保该虚拟机的“删除保护”处于“关闭”状态". */
export const deletionProtected: Rule<VmContext> = defineRule({
  name: "deletion-protected",
  features: ["B4", "R7"],
  kind: "conflict",
  message: {
    en: "Deletion protection is on; a superadmin must turn it off before the VM can be deleted",
    zh: "虚拟机已开启删除保护，不支持被删除，请先由超级管理员关闭删除保护",
  },
  allows: ({ vm }) => !vm.deletionProtected,
})

/** B6: "非批量关机时支持用户将该虚拟机的外接设备同步卸载" — a batch stop never detaches devices. */
export const detachDevicesSingleStop: Rule<PowerContext> = defineRule({
  name: "detach-devices-single-stop",
  features: ["B6", "L7"],
  kind: "invalid",
  message: {
    en: "External devices can be detached only when stopping a single VM, not in a batch",
    zh: "仅在非批量关机时支持同步卸载外接设备",
  },
  allows: ({ batch, detachDevices }) => !(batch && detachDevices),
})

const live = [notRecycled, vmBusy] as const

export const powerRules: Record<PowerOperation, ReadonlyArray<Rule<PowerContext>>> = {
  start: [...live, lifecycleState("start"), errorAdminOnly],
  stop: [...live, lifecycleState("stop"), detachDevicesSingleStop],
  "force-stop": [...live, lifecycleState("force-stop"), errorAdminOnly, detachDevicesSingleStop],
  reboot: [...live, lifecycleState("reboot")],
  "force-reboot": [...live, lifecycleState("force-reboot")],
  delete: [...live, lifecycleState("delete"), deletionProtected],
  destroy: [...live, lifecycleState("delete"), deletionProtected],
  /** "超级管理员可以将“回收站”中的虚拟机恢复使用"; the role first, so nobody else learns the VM's state. */
  restore: [superadminOnly, recycledOnly, vmBusy],
  /** "管理员可以进入回收站中对虚拟机进行管理": purging is destroying, so protection still holds. */
  purge: [adminOnly, recycledOnly, vmBusy, lifecycleState("delete"), deletionProtected],
}

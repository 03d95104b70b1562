import type { AffinityGroup } from "../model/host.ts"
import type { User } from "../model/org.ts"
import type { VmContext } from "./context.ts"
import { type HaPriorityChoice, haPriorityNeedsHa } from "./ha.ts"
import { nameFormat, reclaimDateFuture } from "./inputs.ts"
import { notRecycled, runningOrStopped, stoppedOnly, vmBusy } from "./lifecycle.ts"
import { superadminOnly } from "./platform.ts"
import { affinityGroupDepartment } from "./resources.ts"
import { defineRule, type Rule } from "./rule.ts"

export interface AlarmContext extends VmContext {
  /** The users who get the alarm mail ("勾选的用户"). */
  readonly recipients: ReadonlyArray<User>
}

/** R1: "对于没有安装监控的虚拟机，“监控”选项卡中将不显示“配置告警”的按钮". */
export const monitoringInstalled: Rule<VmContext> = defineRule({
  name: "monitoring-installed",
  features: ["R1", "M2"],
  kind: "conflict",
  message: {
    en: "Monitoring is not installed on this VM, so it cannot have alarms",
    zh: "该虚拟机未安装监控，不支持配置告警",
  },
  allows: ({ vm }) => vm.monitoringInstalled,
})

/** R1, G1: alarm mail tells about the VM, so it goes only to people of the VM's company. */
export const alarmRecipientsInCompany: Rule<AlarmContext> = defineRule({
  name: "alarm-recipients-in-company",
  features: ["R1", "G1"],
  kind: "forbidden",
  message: {
    en: "Alarm mail can go only to users of the VM's company",
    zh: "告警邮件仅能发送给虚拟机所属公司的用户",
  },
  allows: ({ recipients, vm }) => recipients.every((user) => user.companyId === vm.companyId),
})

/** R6: "仅支持使用镜像安装操作系统的虚拟机查看密码". */
export const passwordManagedImage: Rule<VmContext> = defineRule({
  name: "password-managed-image",
  features: ["R6"],
  kind: "conflict",
  message: {
    en: "The password can be shown only for VMs installed from an image whose password the platform sets; this VM's image does not let it",
    zh: "仅支持使用镜像安装操作系统的虚拟机查看密码；该虚拟机的镜像不由平台设置密码",
  },
  allows: ({ passwordManaged }) => passwordManaged,
})

export interface RenameContext extends VmContext {
  readonly name: string
}

export interface ReclaimDateContext extends VmContext {
  /** null: "关闭", never reclaimed. */
  readonly reclaimAt: Date | null
  readonly now: Date
}

export interface HaPriorityContext extends VmContext {
  /** HA as the edit leaves it, and the priority it sets. */
  readonly haChoice: HaPriorityChoice
}

export interface AffinityContext extends VmContext {
  readonly groups: ReadonlyArray<AffinityGroup>
}

export interface RegularRules {
  readonly alarm: ReadonlyArray<Rule<AlarmContext>>
  readonly rename: ReadonlyArray<Rule<RenameContext>>
  readonly remarks: ReadonlyArray<Rule<VmContext>>
  readonly "reclaim-date": ReadonlyArray<Rule<ReclaimDateContext>>
  readonly "show-password": ReadonlyArray<Rule<VmContext>>
  readonly "deletion-protection": ReadonlyArray<Rule<VmContext>>
  readonly affinity: ReadonlyArray<Rule<AffinityContext>>
  readonly ha: ReadonlyArray<Rule<VmContext>>
  readonly "ha-priority": ReadonlyArray<Rule<HaPriorityContext>>
}

/** R1, R2, R4–R7, R10, R12; R3 (ownership.ts), R8 (clone.ts), R9 (migrate.ts), R11 and R13 (login.ts). */
export const regularRules: RegularRules = {
  alarm: [notRecycled, monitoringInstalled, alarmRecipientsInCompany],
  /** R2: display names may repeat; the hostname never changes, so only the format matters. */
  rename: [notRecycled, nameFormat((c: RenameContext) => c.name)],
  /** R4 states no precondition; a VM in the recycle bin is read-only. */
  remarks: [notRecycled],
  "reclaim-date": [notRecycled, reclaimDateFuture((c: ReclaimDateContext) => ({ reclaimAt: c.reclaimAt, now: c.now }))],
  "show-password": [notRecycled, passwordManagedImage, runningOrStopped],
  /** R7: "仅超级管理员支持配置虚拟机的删除保护信息" (the summary's "管理员可用" is the looser wording). */
  "deletion-protection": [superadminOnly, notRecycled],
  /** R10: "当且仅当虚拟机处于“停止”状态支持为虚拟机配置亲和组策略"; several groups, the department's own. */
  affinity: [
    notRecycled,
    vmBusy,
    stoppedOnly,
    affinityGroupDepartment((c: AffinityContext) => ({ groups: c.groups, departmentId: c.vm.departmentId })),
  ],
  /** R12 states no precondition: HA is a flag the watcher reads. */
  ha: [notRecycled],
  /** R12, #16: the restart order of HA VMs; a priority on a VM without HA would order nothing. */
  "ha-priority": [notRecycled, haPriorityNeedsHa((c: HaPriorityContext) => c.haChoice)],
}

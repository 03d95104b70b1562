import { isTransient, type LifecycleAction, stateNamesZh, transition } from "../lifecycle/index.ts"
import type { VmState } from "../model/vm.ts"
import type { VmRecordContext } from "./context.ts"
import { defineRule, type Message, type Rule } from "./rule.ts"

/** How the manual names each lifecycle action, for messages. */
export const actionNames: Record<LifecycleAction, Message> = {
  provision: { en: "create", zh: "创建" },
  "provision-start": { en: "create and start", zh: "创建并开机" },
  start: { en: "start", zh: "开机" },
  stop: { en: "stop", zh: "关机" },
  "force-stop": { en: "force-stop", zh: "强制停止" },
  reboot: { en: "reboot", zh: "重启" },
  "force-reboot": { en: "force-reboot", zh: "强制重启" },
  migrate: { en: "migrate", zh: "迁移" },
  delete: { en: "delete", zh: "删除" },
}

const stateIs = (state: VmState): Message => ({ en: state, zh: `“${stateNamesZh[state]}”` })

/**
 * One operation at a time per VM: a transient state means another operation holds the VM. The lock refuses
 * with this rule too while the state is still stable, so the message covers both.
 */
export const vmBusy: Rule<VmRecordContext> = defineRule({
  name: "vm-busy",
  features: ["B1", "B2", "B3", "B4", "G4"],
  kind: "conflict",
  message: ({ vm }) =>
    isTransient(vm.state)
      ? {
          en: `The VM is busy (${vm.state}); try again when the current operation has finished`,
          zh: `虚拟机正处于${stateIs(vm.state).zh}状态，请在当前操作完成后重试`,
        }
      : {
          en: "The VM is busy with another operation; try again when it has finished",
          zh: "虚拟机正在执行其他操作，请在该操作完成后重试",
        },
  allows: ({ vm }) => !isTransient(vm.state),
})

const lifecycleRules = new Map<LifecycleAction, Rule<VmRecordContext>>()

/** The state table decides which stable states an action may begin from (B1–B4, R9). */
export const lifecycleState = (action: LifecycleAction): Rule<VmRecordContext> => {
  const known = lifecycleRules.get(action)
  if (known) return known
  const rule = defineRule<VmRecordContext>({
    name: "lifecycle-state",
    features: ["B1", "B2", "B3", "B4", "R9", "L7"],
    kind: "conflict",
    message: ({ vm }) => ({
      en: `Cannot ${actionNames[action].en} a VM that is ${vm.state}`,
      zh: `虚拟机处于${stateIs(vm.state).zh}状态，不能${actionNames[action].zh}`,
    }),
    allows: ({ vm }) => transition(vm.state, action).ok,
  })
  lifecycleRules.set(action, rule)
  return rule
}

/** R10, R11, K1, K3, K4, X1, X5, N2, P4 (and R3 across companies): "当且仅当虚拟机处于“停止”状态". */
export const stoppedOnly: Rule<VmRecordContext> = defineRule({
  name: "stopped-only",
  features: ["R3", "R10", "R11", "K1", "K3", "K4", "X1", "X5", "N2", "P4"],
  kind: "conflict",
  message: ({ vm }) => ({
    en: `The VM must be stopped first (it is ${vm.state})`,
    zh: `虚拟机需处于“关闭”状态（当前为${stateIs(vm.state).zh}）`,
  }),
  allows: ({ vm }) => vm.state === "stopped",
})

/** B5 console, K2 reinstall (the manual: "为处于运行中状态的虚拟机重装操作系统"). */
export const runningOnly: Rule<VmRecordContext> = defineRule({
  name: "running-only",
  features: ["B5", "K2"],
  kind: "conflict",
  message: ({ vm }) => ({
    en: `The VM must be running (it is ${vm.state})`,
    zh: `虚拟机需处于“运行”状态（当前为${stateIs(vm.state).zh}）`,
  }),
  allows: ({ vm }) => vm.state === "running",
})

/** R6 show password ("运行"或"停止"), and operations that need a VM in a settled, healthy state. */
export const runningOrStopped: Rule<VmRecordContext> = defineRule({
  name: "running-or-stopped",
  features: ["R6", "R13", "X2", "P1"],
  kind: "conflict",
  message: ({ vm }) => ({
    en: `The VM must be running or stopped (it is ${vm.state})`,
    zh: `虚拟机需处于“运行”或“关闭”状态（当前为${stateIs(vm.state).zh}）`,
  }),
  allows: ({ vm }) => vm.state === "running" || vm.state === "stopped",
})

/** A VM in the recycle bin is deleted: only restore and purge apply to it (B4, G3). */
export const notRecycled: Rule<VmRecordContext> = defineRule({
  name: "not-recycled",
  features: ["B4", "G3"],
  kind: "conflict",
  message: {
    en: "The VM is in the recycle bin; restore it first, or destroy it from the recycle bin",
    zh: "虚拟机已在回收站中，请先恢复虚拟机，或在回收站中彻底删除",
  },
  allows: ({ vm }) => vm.recycledAt === null,
})

/** Restore and purge act only on VMs in the recycle bin (G3). */
export const recycledOnly: Rule<VmRecordContext> = defineRule({
  name: "recycled-only",
  features: ["G3"],
  kind: "conflict",
  message: { en: "The VM is not in the recycle bin", zh: "虚拟机不在回收站中" },
  allows: ({ vm }) => vm.recycledAt !== null,
})

/** A VM in error "需要联系管理员进行处理": only an admin powers it on or off to repair it. */
export const errorAdminOnly: Rule<VmRecordContext> = defineRule({
  name: "error-admin-only",
  features: ["B1", "B2"],
  kind: "forbidden",
  message: {
    en: "The VM is in error; only an administrator can power it on or off",
    zh: "虚拟机处于“故障”状态，需要联系管理员进行处理",
  },
  allows: ({ vm, actor }) => vm.state !== "error" || actor.role !== "user",
})

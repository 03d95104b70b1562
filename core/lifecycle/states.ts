import type { VmState } from "../model/vm.ts"

export const transientStates = ["validating", "starting", "stopping", "rebooting", "migrating", "destroying"] as const
export const stableStates = ["running", "stopped", "error"] as const

export type TransientState = (typeof transientStates)[number]
export type StableState = (typeof stableStates)[number]

export const isTransient = (state: VmState): state is TransientState =>
  (transientStates as ReadonlyArray<VmState>).includes(state)

/** Chinese names from the manual, for messages and exports. */
export const stateNamesZh: Record<VmState, string> = {
  validating: "资源验证",
  starting: "启动中",
  running: "运行",
  stopping: "停止中",
  stopped: "关闭",
  rebooting: "重新启动",
  migrating: "迁移中",
  destroying: "销毁中",
  error: "故障",
}

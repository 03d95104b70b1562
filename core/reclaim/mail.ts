import type { Mail } from "../notify/notifier.ts"
import type { ReclaimOutcome, ReclaimStep } from "./model.ts"

/** What the expiry step did, as each mail says it (Chinese first: the manual's users read Chinese). */
const outcomeLines: Record<ReclaimOutcome, { readonly zh: string; readonly en: string }> = {
  reminded: { zh: "", en: "" },
  kept: {
    zh: "按部门的回收策略，虚拟机保持不变。",
    en: "By its department's reclaim policy, the VM is left as it is.",
  },
  stopped: {
    zh: "按部门的回收策略，虚拟机已关机。",
    en: "By its department's reclaim policy, the VM has been stopped.",
  },
  "already-stopped": {
    zh: "按部门的回收策略应关机，虚拟机已处于关机状态。",
    en: "Its department's reclaim policy stops it; it was already stopped.",
  },
  recycled: {
    zh: "按部门的回收策略，虚拟机已移入回收站，管理员可以从回收站恢复。",
    en: "By its department's reclaim policy, the VM has been moved to the recycle bin; an administrator can restore it.",
  },
  destroyed: {
    zh: "按部门的回收策略，虚拟机已被彻底删除。",
    en: "By its department's reclaim policy, the VM has been destroyed.",
  },
  refused: {
    zh: "按部门的回收策略应处理该虚拟机，但操作被拒绝，详情见任务记录。",
    en: "Its department's reclaim policy could not be applied; the task record says why.",
  },
}

/** R5: the reminder before the reclaim date, or the one after it with what the policy did. */
export const reclaimMail = (input: {
  readonly step: ReclaimStep
  readonly outcome: ReclaimOutcome
  readonly to: ReadonlyArray<string>
  readonly vm: { readonly displayName: string; readonly hostname: string }
  readonly reclaimAt: Date
}): Mail => {
  const who = `${input.vm.displayName} (${input.vm.hostname})`
  const date = input.reclaimAt.toISOString()
  if (input.step === "notice") {
    return {
      to: input.to,
      subject: `[回收提醒] ${input.vm.displayName} 将于 ${date} 到期 / Reclaim reminder: ${input.vm.displayName} expires ${date}`,
      text: [
        `虚拟机 ${who} 将于 ${date} 到期，到期后将依据所在部门的回收策略处理。如需继续使用，请修改回收时间。`,
        `VM ${who} reaches its reclaim date on ${date}; its department's reclaim policy applies then. Change the reclaim date to keep it.`,
      ].join("\n\n"),
    }
  }
  const line = outcomeLines[input.outcome]
  return {
    to: input.to,
    subject: `[回收通知] ${input.vm.displayName} 已到期 / Reclaimed: ${input.vm.displayName} reached its reclaim date`,
    text: [
      `虚拟机 ${who} 已于 ${date} 到期。${line.zh}`,
      `VM ${who} reached its reclaim date on ${date}. ${line.en}`,
    ].join("\n\n"),
  }
}

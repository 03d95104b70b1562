import type { Backup, Disk } from "../../model/storage.ts"
import type { Actor } from "../../rules/context.ts"
import { type QuotaContext, quotaDisk } from "../../rules/quota.ts"
import { defineRule, type Rule } from "../../rules/rule.ts"

/**
 * Restoring a backup into a NEW disk. diskRules["restore-backup"] describes a restore that overwrites the attached
 * disk (VM stopped, no snapshots); a restore into a new, unattached disk touches no VM, so its rules are these.
 */
export interface RestoreContext extends QuotaContext {
  readonly actor: Actor
  /** The disk the backup was made of. */
  readonly disk: Disk
  readonly backup: Backup
}

/** V4: only a finished backup holds a whole disk. */
export const backupRestorable: Rule<RestoreContext> = defineRule({
  name: "backup-restorable",
  features: ["V4", "V5"],
  kind: "conflict",
  message: ({ backup }) => ({
    en: `The backup is ${backup.state}; only a ready backup can be restored`,
    zh: `该备份${backup.state === "failed" ? "创建失败" : "尚未完成"}，仅可恢复已就绪的备份`,
  }),
  allows: ({ backup }) => backup.state === "ready",
})

/** The new disk counts against the department's disk quota (G2), as a created disk does (V2). */
export const restoreToNewDiskRules: ReadonlyArray<Rule<RestoreContext>> = [backupRestorable, quotaDisk]

import type { Period, Snapshot } from "../model/storage.ts"
import type { VmCountsContext, VmRecordContext } from "./context.ts"
import { notRecycled, runningOrStopped, stoppedOnly, vmBusy } from "./lifecycle.ts"
import { defineRule, type Rule } from "./rule.ts"

// The manual's exclusivity (P1, P2, V4, V5) and R3: snapshots and disk backups never coexist on one VM.

export const noSnapshots: Rule<VmCountsContext> = defineRule({
  name: "no-snapshots",
  features: ["V1", "V2", "V3", "V4", "V5", "R3"],
  kind: "conflict",
  message: ({ facts }) => ({
    en: `The VM has ${facts.snapshots} snapshot(s); delete them first`,
    zh: `虚拟机存在 ${facts.snapshots} 个快照，请先删除快照`,
  }),
  allows: ({ facts }) => facts.snapshots === 0,
})

export const noSnapshotSchedules: Rule<VmCountsContext> = defineRule({
  name: "no-snapshot-schedules",
  features: ["V4", "V5", "R3"],
  kind: "conflict",
  message: {
    en: "The VM has snapshot schedules; delete them first",
    zh: "虚拟机存在定时快照，请先删除定时快照",
  },
  allows: ({ facts }) => facts.snapshotSchedules === 0,
})

export const noBackups: Rule<VmCountsContext> = defineRule({
  name: "no-backups",
  features: ["P1", "P2", "R3"],
  kind: "conflict",
  message: ({ facts }) => ({
    en: `The VM's disks have ${facts.backups} backup(s); delete them first`,
    zh: `虚拟机关联的虚拟磁盘存在 ${facts.backups} 个备份，请先删除备份`,
  }),
  allows: ({ facts }) => facts.backups === 0,
})

export const noBackupSchedules: Rule<VmCountsContext> = defineRule({
  name: "no-backup-schedules",
  features: ["P1", "P2", "R3"],
  kind: "conflict",
  message: {
    en: "The VM's disks have backup schedules; delete them first",
    zh: "虚拟机关联的虚拟磁盘存在定时备份，请先删除定时备份",
  },
  allows: ({ facts }) => facts.backupSchedules === 0,
})

/** What a new schedule (P2, V5) is checked against: the periods its target already has schedules for. */
export interface ScheduleChoice {
  readonly period: Period
  readonly existingPeriods: ReadonlyArray<Period>
}

const periodNamesZh: Record<Period, string> = { hourly: "按小时", daily: "按天", weekly: "按周", monthly: "按月" }

/** P2, V5: "每一类时间维度仅支持设置一个定时器". */
export const oneSchedulePerPeriod: Rule<ScheduleChoice> = defineRule({
  name: "one-schedule-per-period",
  features: ["P2", "V5"],
  kind: "conflict",
  message: ({ period }) => ({
    en: `There is already ${period === "hourly" ? "an" : "a"} ${period} schedule; each period may have one`,
    zh: `已存在${periodNamesZh[period]}的定时器，每一类时间维度仅支持设置一个定时器`,
  }),
  allows: ({ period, existingPeriods }) => !existingPeriods.includes(period),
})

export interface SnapshotCreateContext extends VmCountsContext {
  readonly withMemory: boolean
}

/** P1: memory lives only in a running VM. */
export const memorySnapshotRunningOnly: Rule<SnapshotCreateContext> = defineRule({
  name: "memory-snapshot-running-only",
  features: ["P1"],
  kind: "conflict",
  message: {
    en: "A snapshot with memory needs a running VM",
    zh: "快照内存仅支持处于“运行”状态的虚拟机",
  },
  allows: ({ withMemory, vm }) => !withMemory || vm.state === "running",
})

export interface SnapshotScheduleContext extends VmCountsContext, ScheduleChoice {}

/** Rollback and delete read the VM and the snapshot: none of their rules needs the VM's counts. */
export interface SnapshotContext extends VmRecordContext {
  readonly snapshot: Snapshot
}

/** P4: only a finished snapshot can be rolled back to. */
export const snapshotReady: Rule<SnapshotContext> = defineRule({
  name: "snapshot-ready",
  features: ["P4"],
  kind: "conflict",
  message: ({ snapshot }) => ({
    en: `The snapshot is ${snapshot.state}, not ready`,
    zh: `快照尚未就绪（${snapshot.state === "failed" ? "创建失败" : "创建中"}）`,
  }),
  allows: ({ snapshot }) => snapshot.state === "ready",
})

/**
 * P4 (F9): a rollback acts on one of the VM's snapshots. Before one is chosen, the VM's count tells; once chosen, the
 * runner has found it (a snapshot the VM does not have is not found), so the run's instance always allows.
 */
export const snapshotExists = <C>(has: (context: C) => boolean): Rule<C> =>
  defineRule<C>({
    name: "snapshot-exists",
    features: ["P4"],
    kind: "conflict",
    message: { en: "The VM has no snapshot to roll back to", zh: "虚拟机没有可回滚的快照" },
    allows: has,
  })

const rollbackState = [notRecycled, vmBusy, stoppedOnly] as const

/** P4 on the VM itself, before a snapshot is chosen (the rollback buttons): rollback's rules minus the snapshot's own. */
export const rollbackVmRules = [
  ...rollbackState,
  snapshotExists((c: VmCountsContext) => c.facts.snapshots > 0),
] as const

export interface SnapshotRules {
  readonly create: ReadonlyArray<Rule<SnapshotCreateContext>>
  readonly schedule: ReadonlyArray<Rule<SnapshotScheduleContext>>
  readonly "delete-schedule": ReadonlyArray<Rule<VmRecordContext>>
  readonly rollback: ReadonlyArray<Rule<SnapshotContext>>
  readonly delete: ReadonlyArray<Rule<SnapshotContext>>
}

export const snapshotRules: SnapshotRules = {
  /** P1; the manual's "在运行的过程中设定快照点" read as: a settled VM, memory only when running. */
  create: [notRecycled, vmBusy, runningOrStopped, memorySnapshotRunningOnly, noBackups, noBackupSchedules],
  schedule: [notRecycled, noBackups, noBackupSchedules, oneSchedulePerPeriod],
  /** P3 states no precondition: removing a timer never conflicts, and what it made stays. */
  "delete-schedule": [],
  rollback: [...rollbackState, snapshotExists(() => true), snapshotReady],
  /** P5: no precondition beyond one operation at a time. */
  delete: [notRecycled, vmBusy],
}

import type { Backup, Disk } from "../model/storage.ts"
import type { Actor, VmCountsContext } from "./context.ts"
import { notRecycled, vmBusy } from "./lifecycle.ts"
import { type QuotaContext, type QuotaDemand, quotaDisk } from "./quota.ts"
import { defineRule, type Rule } from "./rule.ts"
import { noSnapshotSchedules, noSnapshots, oneSchedulePerPeriod, type ScheduleChoice } from "./snapshots.ts"

export interface DiskContext extends VmCountsContext {
  readonly disk: Disk
}

/** V2: the new disk's size counts against the department's disk quota (G2). */
export interface DiskCreateContext extends VmCountsContext, QuotaContext {
  readonly sizeGiB: number
  readonly storageClass: string
}

export interface BackupScheduleContext extends DiskContext, ScheduleChoice {}

export interface BackupContext extends DiskContext {
  readonly backup: Backup
}

/** Restoring a backup into a NEW, unattached disk: no VM is touched; the new disk counts against quota (G2). */
export interface RestoreContext extends QuotaContext {
  readonly actor: Actor
  /** The disk the backup was made of. */
  readonly disk: Disk
  readonly backup: Backup
}

export const diskDemand = (sizeGiB: number): QuotaDemand => ({ cpus: 0, memoryMiB: 0, diskGiB: sizeGiB, vmCount: 0 })

/** Deleting a disk of its own: no VM is involved. */
export interface DiskDeleteContext {
  readonly actor: Actor
  readonly disk: Disk
}

/** V1: "处于“未挂载”状态的虚拟磁盘"; also what a disk must be to be deleted. */
export const diskUnattached: Rule<{ readonly disk: Disk }> = defineRule({
  name: "disk-unattached",
  features: ["V1"],
  kind: "conflict",
  message: { en: "The disk is attached to a VM; detach it first", zh: "该虚拟磁盘已挂载，请先卸载" },
  allows: ({ disk }) => disk.vmId === null,
})

/** V1 "规格适合当前虚拟机": a data disk of the VM's department, on the VM's host or not yet placed. */
export const diskFitsVm: Rule<DiskContext> = defineRule({
  name: "disk-fits-vm",
  features: ["V1"],
  kind: "invalid",
  message: {
    en: "This disk does not fit the VM: it must be a data disk of the VM's department on the VM's host",
    zh: "该虚拟磁盘不适合当前虚拟机：需为虚拟机所在部门、所在主机上的数据盘",
  },
  allows: ({ disk, vm }) =>
    disk.role === "data" &&
    disk.departmentId === vm.departmentId &&
    (disk.hostId === null || disk.hostId === vm.hostId),
})

export const diskAttached: Rule<DiskContext> = defineRule({
  name: "disk-attached",
  features: ["V3", "V4", "V5"],
  kind: "conflict",
  message: { en: "The disk is not attached to this VM", zh: "该虚拟磁盘未挂载在此虚拟机上" },
  allows: ({ disk, vm }) => disk.vmId === vm.id,
})

/** V3: "平台不支持卸载系统磁盘". */
export const notSystemDisk: Rule<DiskContext> = defineRule({
  name: "not-system-disk",
  features: ["V3"],
  kind: "invalid",
  message: {
    en: "The system disk holds the operating system and cannot be detached",
    zh: "系统磁盘用于安装操作系统，平台不支持卸载系统磁盘",
  },
  allows: ({ disk }) => disk.role !== "system",
})

/** Only a finished backup holds a whole disk (to restore from, or to build on). */
export const backupReady: Rule<{ readonly backup: Backup }> = defineRule({
  name: "backup-ready",
  features: ["V4", "V5"],
  kind: "conflict",
  message: { en: "The backup is not ready", zh: "该备份尚未就绪" },
  allows: ({ backup }) => backup.state === "ready",
})

export interface DiskRules {
  readonly attach: ReadonlyArray<Rule<DiskContext>>
  readonly create: ReadonlyArray<Rule<DiskCreateContext>>
  readonly detach: ReadonlyArray<Rule<DiskContext>>
  readonly backup: ReadonlyArray<Rule<DiskContext>>
  readonly "backup-schedule": ReadonlyArray<Rule<BackupScheduleContext>>
  readonly "delete-backup-schedule": ReadonlyArray<Rule<DiskContext>>
  readonly "restore-backup": ReadonlyArray<Rule<RestoreContext>>
  readonly "delete-backup": ReadonlyArray<Rule<BackupContext>>
  readonly delete: ReadonlyArray<Rule<DiskDeleteContext>>
}

const live = [notRecycled, vmBusy] as const
/** V4: "若该磁盘所在虚拟机存在快照或定时快照，则该磁盘不支持备份". */
const backupOfVm = [noSnapshots, noSnapshotSchedules] as const
/** V4 on the VM itself, before a disk is chosen (the "back up now" buttons): backup's rules minus the disk's own. */
export const backupVmRules = [...live, ...backupOfVm] as const

export const diskRules: DiskRules = {
  /** V1: "当且仅当虚拟机没有快照时，支持虚拟磁盘挂载到虚拟机上". */
  attach: [...live, noSnapshots, diskUnattached, diskFitsVm],
  /** V2 creates and attaches, so V1's snapshot rule holds too; G2 disk quota. */
  create: [...live, noSnapshots, quotaDisk],
  /** V3: "拥有快照的虚拟机不支持卸载虚拟磁盘". */
  detach: [...live, diskAttached, notSystemDisk, noSnapshots],
  /** V4: "若该磁盘所在虚拟机存在快照或定时快照，则该磁盘不支持备份". */
  backup: [...live, diskAttached, ...backupOfVm],
  /** V5: as V4, and one schedule per period kind per disk. */
  "backup-schedule": [notRecycled, diskAttached, noSnapshots, noSnapshotSchedules, oneSchedulePerPeriod],
  /** V6 states no precondition: removing a timer never conflicts, and the backups it made stay. */
  "delete-backup-schedule": [],
  /** Restore writes a new disk (what users expect; the manual is silent): a ready backup, and room in the quota. */
  "restore-backup": [backupReady, quotaDisk],
  /** No precondition: a backup is a file of its own; the backup module keeps increment chains whole. */
  "delete-backup": [],
  /** Only a disk no VM holds: the system disk goes with its VM, a data disk is detached first (V3). */
  delete: [diskUnattached],
}
